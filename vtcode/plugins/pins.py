"""Pin files (`vtcode plugins lock`) and drift detection (`vtcode plugins verify`).

A pin file holds `[[plugins.pins]]` tables, so an administrator can paste it into managed.toml as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vtcode.atomic import write_text_atomic
from vtcode.config.models import PluginPin, PluginsConfig
from vtcode.config.sources import read_document, validate_document
from vtcode.distributions import canonical_name, version_in_range
from vtcode.errors import ConfigError

from .records import PluginRecord
from .signoff import Status


def write_lock(records: Sequence[PluginRecord], output: Path) -> int:
    pins: dict[str, PluginRecord] = {}
    for record in records:
        if record.status is Status.SIGNED_OFF:
            pins.setdefault(record.distribution, record)
    lines = [
        "# Written by `vtcode plugins lock`: paste into managed.toml or check with `vtcode plugins verify`.",
        "",
    ]
    for distribution, record in sorted(pins.items()):
        families = sorted(set().union(*(r.families for r in records if r.distribution == distribution)))
        lines += [
            "[[plugins.pins]]",
            f'name = "{distribution}"',
            f'version = "=={record.version}"',
            f'record_digest = "{record.record_digest}"' if record.record_digest else "# no RECORD digest",
            "families = [" + ", ".join(f'"{f}"' for f in families) + "]",
            "",
        ]
    write_text_atomic(output, "\n".join(lines), mode=0o644)
    return len(pins)


def read_lock(path: Path) -> list[PluginPin]:
    data, text = read_document(path)
    if set(data) - {"plugins"} or set(data.get("plugins", {})) - {"pins"}:
        raise ConfigError(str(path), "a pin file holds only [[plugins.pins]] tables")
    return validate_document(PluginsConfig, data.get("plugins", {}), str(path), text).pins


def drift(records: Sequence[PluginRecord], pins: Sequence[PluginPin]) -> list[str]:
    """Every difference between what is installed and signed off, and what the pins allow."""
    if not pins:
        return ["no pins to verify against (managed configuration has none; pass --lock FILE)"]
    problems: list[str] = []
    by_dist = {canonical_name(r.distribution): r for r in records}
    pinned = {canonical_name(p.name) for p in pins}
    for pin in pins:
        record = by_dist.get(canonical_name(pin.name))
        if record is None:
            problems.append(f"{pin.name}: pinned but not installed")
            continue
        if record.status is Status.TAMPERED:
            problems.append(f"{pin.name}: tampered ({record.reason})")
        if pin.version != "*" and not version_in_range(record.version, pin.version):
            problems.append(f"{pin.name}: version {record.version} is outside the pin {pin.version}")
        if pin.record_digest and pin.record_digest != record.record_digest:
            problems.append(f"{pin.name}: RECORD digest {record.record_digest} differs from the pin")
    for key, record in sorted(by_dist.items()):
        if key not in pinned and record.status is Status.SIGNED_OFF:
            problems.append(f"{record.distribution}: signed off but not pinned")
    return problems

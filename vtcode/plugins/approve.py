"""Record a user's approval of an installed plugin distribution, after showing what it covers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vtcode.config import load_config
from vtcode.distributions import canonical_name
from vtcode.errors import PluginBlocked

from .approvals import Approval, record_approval
from .digest_cache import DigestCache
from .discovery import Candidate, discover
from .families import declared_families
from .integrity import Integrity, verify


def approve_plugin(
    name: str,
    families: Sequence[str],
    workspace: Path,
    config_files: Sequence[Path],
    overrides: Sequence[str],
) -> tuple[Approval, list[str]]:
    config = load_config(workspace, config_files=config_files, overrides=overrides).config
    found = discover()
    key = canonical_name(name)
    chosen = [c for c in found.candidates if canonical_name(c.distribution) == key] or [
        c for c in found.candidates if c.name == name
    ]
    if not chosen:
        pth = _approve_pth(key, config.plugins.allow_user_approvals)
        if pth is not None:
            return pth, []
        raise PluginBlocked(
            f"{name}: no installed distribution or entry point of that name declares a vtcode plugin"
        )
    distribution = chosen[0].distribution
    chosen = [c for c in found.candidates if c.distribution == distribution]
    _refuse_unapprovable(chosen, found.clashes, config.plugins.allow_user_approvals)
    report = verify(chosen[0], DigestCache.open())
    if report.status is Integrity.TAMPERED:
        raise PluginBlocked(f"{distribution}: refusing to approve a tampered installation: {report.summary}")
    allowed = set(families) or set().union(*(declared_families(c) for c in chosen))
    if not allowed:
        raise PluginBlocked(
            f"{distribution}: could not read which hook families it implements; pass --family"
        )
    approval = record_approval(distribution, chosen[0].version, report.record_digest, sorted(allowed))
    return approval, [c.module for c in chosen]


def _refuse_unapprovable(chosen: list[Candidate], clashes: dict[str, tuple[str, ...]], allowed: bool) -> None:
    first = chosen[0]
    if first.builtin:
        raise PluginBlocked(f"{first.distribution}: built-in plugins need no approval")
    if not allowed:
        raise PluginBlocked(
            "the managed configuration forbids user approvals; ask an administrator to pin it"
        )
    for candidate in chosen:
        if candidate.name in clashes:
            raise PluginBlocked(
                f"entry point {candidate.name!r} is declared by {' and '.join(clashes[candidate.name])}; "
                "uninstall one of them first"
            )


def _approve_pth(key: str, allowed: bool) -> Approval | None:
    """A distribution that is no plugin but ships a `.pth` Python runs at start: approved for that alone
    (family "pth"), bound to its version and RECORD digest like a plugin's approval."""
    from .pth import _owners, scan

    for pth in scan():
        if pth.distribution is None or canonical_name(pth.distribution) != key:
            continue
        if not allowed:
            raise PluginBlocked(
                "the managed configuration forbids user approvals; ask an administrator to pin it"
            )
        owner = _owners(pth.path.parent)[pth.path.name]
        return record_approval(owner.distribution, owner.version, owner.record_digest, ["pth"])
    return None

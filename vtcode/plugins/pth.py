"""`.pth` files that run code when Python starts, before vtcode's plugin gate exists.

Python's `site` module executes every line starting with `import` in every `.pth` file of a site directory,
inside the vtcode process, before `main()`. The gate cannot stop that, but it can see it afterwards: each
such file is attributed to the distribution whose RECORD lists it, and the agent, the TUI and `exec` refuse
to start while one belongs to a distribution the user has not approved. Known packaging tools are accepted:
setuptools' `distutils-precedence.pth` (its RECORD hash checked), virtualenv's `_virtualenv.pth`, and
the `.pth` of a distribution the user installed as editable (pip writes `direct_url.json` itself, so a
wheel cannot claim to be editable).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import site
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vtcode.distributions import canonical_name
from vtcode.errors import PluginBlocked

_VIRTUALENV_LINE = "import _virtualenv"


@dataclass(frozen=True)
class PthFile:
    """One `.pth` file with lines Python executes at start."""

    path: Path
    lines: tuple[str, ...]  # the executable lines
    distribution: str | None  # the distribution whose RECORD lists it; None: nobody's
    version: str | None
    accepted: bool
    reason: str  # why it is accepted, or why not

    def to_json(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "distribution": self.distribution,
            "version": self.version,
            "accepted": self.accepted,
            "reason": self.reason,
            "lines": list(self.lines),
        }


def site_directories() -> list[Path]:
    """The directories whose `.pth` files this interpreter processed at start."""
    found = list(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        found.append(site.getusersitepackages())
    return [Path(d) for d in dict.fromkeys(found) if os.path.isdir(d)]


def executable_lines(text: str) -> tuple[str, ...]:
    """The lines `site.addpackage` executes: those starting with `import ` or `import<TAB>`."""
    return tuple(line for line in text.splitlines() if line.startswith(("import ", "import\t")))


def scan(directories: Sequence[Path] | None = None) -> list[PthFile]:
    """Every `.pth` file with executable lines in `directories` (default: this interpreter's site dirs)."""
    found: list[PthFile] = []
    for directory in site_directories() if directories is None else directories:
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(".pth"))
        except OSError:
            continue
        owners: dict[str, _Owner] | None = None
        for name in names:
            path = directory / name
            try:
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
            except OSError:
                continue
            lines = executable_lines(text)
            if not lines:
                continue
            if name == "distutils-precedence.pth":  # nearly every environment has it: look in one RECORD
                owner = _owners(directory, "setuptools-").get(name)
            else:
                if owners is None:
                    owners = _owners(directory)
                owner = owners.get(name)
            found.append(_judge(path, lines, owner))
    return found


def refuse_unapproved(found: Iterable[PthFile]) -> None:
    """PluginBlocked (exit 2, one line) naming the first `.pth` that is neither approved nor a known tool."""
    for pth in found:
        if not pth.accepted:
            owner = f"distribution {pth.distribution} {pth.version}" if pth.distribution else "nobody's"
            raise PluginBlocked(
                f"{pth.path}: runs code at every Python start ({pth.reason}; {owner}); "
                f"approve it with `vtcode plugins approve {pth.distribution or 'NAME'}` or uninstall it"
            )


@dataclass(frozen=True)
class _Owner:
    distribution: str
    version: str
    dist_info: Path
    record_digest: str
    hash: str | None  # the file's RECORD hash, `sha256=<urlsafe b64>`


def _owners(directory: Path, prefix: str = "") -> dict[str, _Owner]:
    """`.pth` names at the top of `directory`, mapped to the distribution whose RECORD lists them (only
    distributions whose dist-info starts with `prefix`)."""
    owners: dict[str, _Owner] = {}
    try:
        names = os.listdir(directory)
        infos = [directory / n for n in names if n.endswith(".dist-info") and n.startswith(prefix)]
    except OSError:
        return owners
    for info in infos:
        try:
            record = (info / "RECORD").read_text(encoding="utf-8")
        except OSError:
            continue
        if ".pth," not in record:
            continue
        distribution, _, version = info.name.removesuffix(".dist-info").partition("-")
        digest = "sha256:" + hashlib.sha256(record.encode("utf-8")).hexdigest()
        for row in csv.reader(io.StringIO(record)):
            if row and row[0].endswith(".pth") and "/" not in row[0]:
                owners[row[0]] = _Owner(distribution, version, info, digest, row[1] if len(row) > 1 else None)
    return owners


def _judge(path: Path, lines: tuple[str, ...], owner: _Owner | None) -> PthFile:
    def verdict(accepted: bool, reason: str) -> PthFile:
        return PthFile(path, lines, owner.distribution if owner else None, owner.version if owner else None,
                       accepted, reason)

    if owner is None:
        if path.name == "_virtualenv.pth" and lines == (_VIRTUALENV_LINE,):
            return verdict(True, "virtualenv's own start-up hook")
        return verdict(False, "listed in no distribution's RECORD")
    if path.name == "distutils-precedence.pth" and canonical_name(owner.distribution) == "setuptools":
        if _hash_matches(path, owner.hash):
            return verdict(True, "setuptools' distutils shim")
        return verdict(False, "setuptools' distutils-precedence.pth does not match its RECORD")
    if _editable(owner.dist_info):
        # (pip writes direct_url.json for an editable install; a wheel that shipped its own claiming an
        # existing local directory would pass too: see docs/security/model.md)
        return verdict(True, "an editable install the user made (pip's direct_url.json)")
    from .approvals import load_approvals  # (pydantic: only when a distribution's own .pth is judged)

    approval = load_approvals().get(canonical_name(owner.distribution))
    current = (owner.version, owner.record_digest)
    if approval is not None and (approval.version, approval.record_digest) == current:
        return verdict(True, "its distribution is approved")
    if approval is not None:
        return verdict(False, "its distribution changed since it was approved")
    return verdict(False, "its distribution is not approved")


def _hash_matches(path: Path, recorded: str | None) -> bool:
    if not recorded or not recorded.startswith("sha256="):
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(path.read_bytes()).digest()).rstrip(b"=").decode()
    return recorded == f"sha256={digest}"


def _editable(dist_info: Path) -> bool:
    try:
        data = json.loads((dist_info / "direct_url.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("dir_info"), dict):
        return False
    url = data.get("url")
    local = isinstance(url, str) and url.startswith("file://") and os.path.isdir(url.removeprefix("file://"))
    return data["dir_info"].get("editable") is True and local

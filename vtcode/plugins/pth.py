"""`.pth` files that run code when Python starts, before vtcode's plugin gate exists.

Python's `site` module executes every line starting with `import` in every `.pth` file of a site directory,
inside the vtcode process, before `main()`. The gate cannot stop that, but it can see it afterwards: each
such file is attributed to the distribution whose RECORD lists it, and the agent, the TUI and `exec` refuse
to start while one belongs to a distribution the user has not approved, or differs from its RECORD.
Known packaging tools are accepted: setuptools' `distutils-precedence.pth` (only setuptools' own line, the
one setuptools in the directory, its RECORD hashes of the .pth and `_distutils_hack`, and no other
distribution installing those files), virtualenv's `_virtualenv.pth`, and the `.pth` of a distribution the
user installed as editable (pip writes `direct_url.json` itself). The file is read under every decoding a
Python's `site` uses (a UTF-8 byte-order mark included), and `sitecustomize`/`usercustomize`, which `site`
imports from sys.path, are judged the same way.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.machinery
import io
import json
import locale
import os
import re
import site
import sys
import sysconfig
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


def executable_lines_of(data: bytes) -> tuple[str, ...]:
    """The executable lines under every decoding some Python's `site` may use for a `.pth`: UTF-8 with a
    byte-order mark stripped (3.13+), the locale's encoding (3.11/3.12, and 3.13's fallback), and UTF-8
    as written. A line any of them executes counts."""
    found: dict[str, None] = {}
    for encoding in ("utf-8-sig", locale.getpreferredencoding(False), "utf-8", "latin-1"):
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        found.update(dict.fromkeys(executable_lines(text)))
    return tuple(found)


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
                data = path.read_bytes()
            except OSError:
                continue
            lines = executable_lines_of(data)
            if not lines:
                continue
            if name == "distutils-precedence.pth":  # nearly every environment has it
                found.append(_judge_setuptools_shim(directory, path, lines))
                continue
            if owners is None:
                owners = _owners(directory)
            found.append(_judge(path, lines, owners.get(name)))
    found += scan_customize(None if directories is None else list(directories))
    return found


# The line setuptools has shipped in distutils-precedence.pth (its default changed from stdlib to local).
_SHIM = re.compile(
    r"import os; (?:var = 'SETUPTOOLS_USE_DISTUTILS'; )?enabled = os\.environ\.get\("
    r"(?:var|'SETUPTOOLS_USE_DISTUTILS'), '(?:local|stdlib)'\) == 'local'; "
    r"enabled and __import__\('_distutils_hack'\)\.add_shim\(\); ?"
)
_SHIM_MODULE = "_distutils_hack/__init__.py"


def _judge_setuptools_shim(directory: Path, path: Path, lines: tuple[str, ...]) -> PthFile:
    """setuptools' shim is accepted only as setuptools itself installed it: the one setuptools in the
    directory lists the .pth and the module it imports with the hashes they have, the line is the one
    setuptools ships, and no other distribution installed any of these files (a wheel that ships a forged
    `setuptools-*.dist-info` lists it in its own RECORD)."""
    infos = _dist_infos(directory)
    ours = [i for i in infos if canonical_name(i.name.partition("-")[0]) == "setuptools"]
    owner = _owners(directory, "setuptools-").get(path.name) if len(ours) == 1 else None

    def verdict(accepted: bool, reason: str) -> PthFile:
        return PthFile(path, lines, owner.distribution if owner else None, owner.version if owner else None,
                       accepted, reason)

    if len(ours) != 1:
        return verdict(False, f"{len(ours)} setuptools distributions claim distutils-precedence.pth")
    if owner is None or not _hash_matches(path, owner.hash):
        return verdict(False, "setuptools' distutils-precedence.pth does not match its RECORD")
    if not all(_SHIM.fullmatch(line) for line in lines):
        return verdict(False, "distutils-precedence.pth holds a line setuptools does not ship")
    rows = _record_rows(ours[0])
    if not _hash_matches(directory / _SHIM_MODULE, rows.get(_SHIM_MODULE)):
        return verdict(False, f"{_SHIM_MODULE} does not match setuptools' RECORD")
    claimed = (b"\n" + path.name.encode(), b"\n_distutils_hack/", b"\n" + f"{ours[0].name}/".encode())
    for info in infos:
        if info == ours[0]:
            continue
        try:  # (bytes and a substring test, no CSV: this runs at every start, over every distribution)
            with open(info / "RECORD", "rb") as handle:
                record = handle.read()
        except OSError:
            continue
        record = b"\n" + record  # every row then starts after a newline
        if any(name in record for name in claimed):
            return verdict(False, f"{info.name} also installs setuptools' files (a forged setuptools)")
    return verdict(True, "setuptools' distutils shim")


def _dist_infos(directory: Path) -> list[Path]:
    try:
        return [directory / n for n in sorted(os.listdir(directory)) if n.endswith(".dist-info")]
    except OSError:
        return []


def _record_rows(info: Path) -> dict[str, str | None]:
    """RECORD's paths (normalised to `/`) with their hashes."""
    try:
        record = (info / "RECORD").read_text(encoding="utf-8")
    except OSError:
        return {}
    return {row[0].replace("\\", "/"): (row[1] if len(row) > 1 else None)
            for row in csv.reader(io.StringIO(record)) if row}


_CUSTOMIZE = ("sitecustomize", "usercustomize")


def scan_customize(path: list[Path] | None = None) -> list[PthFile]:
    """`sitecustomize` and `usercustomize`, which `site` imports at every start from anywhere on sys.path:
    judged like a `.pth` (the file that would be imported, attributed by RECORD). The interpreter's own,
    in its standard library directory (Debian ships one), is accepted."""
    # (sys.path[0], the script's directory or the cwd, is added after `site` ran: it is not searched then)
    search = [str(p) for p in path] if path is not None else sys.path[1:]
    paths = sysconfig.get_paths()
    stdlib = {os.path.realpath(p) for key in ("stdlib", "platstdlib") if (p := paths.get(key))}
    found = []
    for module in _CUSTOMIZE:
        try:
            spec = importlib.machinery.PathFinder.find_spec(module, search)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if not origin or origin in ("built-in", "frozen", "namespace"):
            continue
        where = Path(origin)
        lines = (f"import {module}",)
        if os.path.realpath(where.parent) in stdlib and where.parent.name != "site-packages":
            found.append(PthFile(where, lines, None, None, True, "the interpreter's own start-up module"))
            continue
        owner = _owner_of(where)
        found.append(_judge(where, lines, owner))
    return found


def _owner_of(path: Path) -> _Owner | None:
    """The distribution whose RECORD lists `path` (searched in the directories above it, up to 2)."""
    for directory in (path.parent, path.parent.parent):
        relative = path.relative_to(directory).as_posix()
        for info in _dist_infos(directory):
            rows = _record_rows(info)
            if relative in rows:
                distribution, _, version = info.name.removesuffix(".dist-info").partition("-")
                record = (info / "RECORD").read_bytes()
                digest = "sha256:" + hashlib.sha256(record).hexdigest()
                return _Owner(distribution, version, info, digest, rows[relative])
    return None


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
    if not _hash_matches(path, owner.hash):
        # What runs is the file, not the approval: a .pth edited after install is nobody's.
        return verdict(False, f"its content does not match {owner.distribution}'s RECORD")
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
    try:
        data = path.read_bytes()
    except OSError:
        return False
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
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

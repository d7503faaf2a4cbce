"""Check an installed distribution against its RECORD before any of its code runs.

Caught: a listed file changed or missing, and an unlisted module dropped into the plugin's package.
Not caught by RECORD alone: rewritten `.pyc` files (pip lists them without hashes), handled by the loader
compiling plugins into a private `sys.pycache_prefix`; and a RECORD rewritten to match an edit, handled by
approvals and pins recording the RECORD digest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from .digest_cache import DigestCache
from .discovery import Candidate

_WEAK = {"md5", "sha1"}
_CODE_SUFFIXES = (".py", ".so", ".pyd", ".pth")


class Integrity(StrEnum):
    VERIFIED = "verified"
    TAMPERED = "tampered"
    UNVERIFIED = "unverified"


@dataclass(frozen=True)
class IntegrityReport:
    status: Integrity
    problems: tuple[str, ...]
    record_digest: str | None
    checked_files: int = 0

    @property
    def summary(self) -> str:
        return self.problems[0] if self.problems else self.status.value


def record_digest(candidate: Candidate) -> tuple[str | None, str | None]:
    """(`sha256:<hex>` of RECORD's bytes, RECORD's text), or (None, None) when there is no RECORD."""
    text = candidate.dist.read_text("RECORD")
    if text is None:
        return None, None
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest(), text


def verify(candidate: Candidate, cache: DigestCache) -> IntegrityReport:
    digest, text = record_digest(candidate)
    if text is None:
        return IntegrityReport(Integrity.UNVERIFIED, ("no RECORD: installed without file hashes",), None)
    tampered: list[str] = []
    weak: list[str] = []
    listed: set[str] = set()
    checked = 0
    # One resolve() for the site directory, then lexical joins: resolving every row costs a syscall per
    # path component, and RECORD paths are relative to that directory by definition.
    base = os.path.realpath(str(candidate.dist.locate_file("")))
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0]:
            continue
        path = os.path.normpath(os.path.join(base, row[0]))
        listed.add(path)
        spec = row[1] if len(row) > 1 else ""
        if not spec:
            continue  # RECORD itself and .pyc files carry no hash
        algorithm, _, expected = spec.partition("=")
        if algorithm in _WEAK or not expected:
            weak.append(f"{row[0]}: weak or malformed hash {spec!r} in RECORD")
            continue
        actual = cache.digest(Path(path), algorithm)
        checked += 1
        if actual is None:
            tampered.append(f"{row[0]}: listed in RECORD but missing or unreadable")
        elif actual != expected:
            tampered.append(f"{row[0]}: contents differ from RECORD")
    if candidate.editable_root is None:
        tampered.extend(_unlisted_code(candidate, base, listed))
    if tampered:
        return IntegrityReport(Integrity.TAMPERED, tuple(tampered + weak), digest, checked)
    if weak:
        return IntegrityReport(Integrity.UNVERIFIED, tuple(weak), digest, checked)
    if candidate.editable_root is not None:
        note = f"editable install from {candidate.editable_root}: its code is not covered by RECORD"
        return IntegrityReport(Integrity.UNVERIFIED, (note,), digest, checked)
    return IntegrityReport(Integrity.VERIFIED, (), digest, checked)


def _unlisted_code(candidate: Candidate, base: str, listed: set[str]) -> list[str]:
    """Modules inside the plugin's own package that RECORD does not list: dropped in after install."""
    package = os.path.join(base, candidate.module.split(".")[0])
    found = []
    for directory, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            file = os.path.join(directory, name)
            if name.endswith(_CODE_SUFFIXES) and file not in listed:
                found.append(f"{os.path.relpath(file, base)}: unlisted code file in the plugin's package")
    return found

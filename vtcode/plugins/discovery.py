"""Find plugin candidates from installed metadata alone: nothing here imports a plugin's code."""

from __future__ import annotations

import csv
import functools
import io
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlparse

from vtcode.distributions import canonical_name

ENTRY_POINT_GROUP = "vtcode"
CORE_DISTRIBUTION = "vtcode"


@dataclass(frozen=True)
class Candidate:
    """One entry point in group `vtcode`: what the gate signs off, before anything is imported."""

    name: str
    value: str
    distribution: str
    version: str
    dist: metadata.Distribution = field(compare=False, repr=False)
    editable_root: Path | None = None

    @property
    def module(self) -> str:
        return self.value.partition(":")[0].strip()

    @property
    def builtin(self) -> bool:
        return canonical_name(self.distribution) == CORE_DISTRIBUTION

    @property
    def entry_point(self) -> metadata.EntryPoint:
        return metadata.EntryPoint(self.name, self.value, ENTRY_POINT_GROUP)


@dataclass(frozen=True)
class Discovery:
    candidates: tuple[Candidate, ...]
    # entry-point name -> the distributions declaring it, where more than one does (all are blocked)
    clashes: dict[str, tuple[str, ...]]


def discover(path: Sequence[str] | None = None) -> Discovery:
    """Every `vtcode` entry point on `path` (default sys.path), first distribution of a name winning as
    it would on import. Only distributions that declare the group have their METADATA parsed."""
    seen: set[str] = set()
    found: list[Candidate] = []
    for dist in metadata.distributions(path=list(path) if path is not None else sys.path):
        text = dist.read_text("entry_points.txt")
        if not text or f"[{ENTRY_POINT_GROUP}]" not in text:
            continue
        name = dist.metadata["Name"] or ""
        key = canonical_name(name)
        if not key or key in seen:
            continue
        seen.add(key)
        editable = _editable_root(dist)
        for ep in dist.entry_points.select(group=ENTRY_POINT_GROUP):
            found.append(Candidate(ep.name, ep.value, name, dist.version, dist, editable))
    by_name: dict[str, list[str]] = defaultdict(list)
    for candidate in found:
        by_name[candidate.name].append(candidate.distribution)
    clashes = {name: tuple(sorted(dists)) for name, dists in by_name.items() if len(dists) > 1}
    found.sort(key=lambda c: (not c.builtin, c.name, c.distribution))
    return Discovery(tuple(found), clashes)


def _editable_root(dist: metadata.Distribution) -> Path | None:
    """The source tree of an editable install (PEP 610 direct_url.json), whose code RECORD does not cover."""
    raw = dist.read_text("direct_url.json")
    if not raw:
        return None
    try:
        info = json.loads(raw)
    except json.JSONDecodeError:
        return None
    if not info.get("dir_info", {}).get("editable"):
        return None
    url = urlparse(info.get("url", ""))
    return Path(unquote(url.path)).resolve() if url.scheme == "file" else None


@functools.cache
def record_paths(dist: metadata.Distribution) -> frozenset[str]:
    """The distribution's files as RECORD lists them (relative, `/`-separated), read once per
    distribution and process: the built-ins are many entry points of one distribution, and
    `dist.files` builds a path object per file on every call."""
    text = dist.read_text("RECORD")
    if text is None:
        return frozenset(str(f).replace("\\", "/") for f in dist.files or ())
    return frozenset(row[0].replace("\\", "/") for row in csv.reader(io.StringIO(text)) if row and row[0])

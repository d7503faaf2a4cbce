"""Make sure the module about to be imported is the one the signed-off distribution installed.

A same-named package earlier on sys.path (the working directory under `python -m`, PYTHONPATH, a
user site) would otherwise be imported in its place, with the installed copy's sign-off.

The module's file is looked up among the distribution's RECORD paths, joined lexically to the resolved
site directory: one `realpath` per check, not one per file (the built-ins are 14 entry points of one
distribution of ~600 files, so resolving every file for each cost ~8,600 `realpath` calls at start-up).
The set is built once per distribution and process. Only when the lexical lookup misses (a symlink inside
the distribution's own tree) are the files resolved one by one, so the answer is the same as before.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
from importlib import metadata
from pathlib import Path

from .discovery import Candidate, record_paths


def origin_problem(candidate: Candidate) -> str | None:
    """None when the entry module would load from the distribution's own files, else why not."""
    top = candidate.module.split(".")[0]
    loaded = sys.modules.get(top)
    try:
        spec = loaded.__spec__ if loaded is not None else importlib.util.find_spec(top)
    except (ImportError, ValueError) as exc:
        return f"cannot locate module {top!r}: {exc}"
    if spec is None:
        return f"module {top!r} is not importable"
    if spec.origin is None or not spec.has_location:
        return f"module {top!r} is a namespace package, whose origin cannot be verified"
    origin = Path(spec.origin).resolve()
    if candidate.editable_root is not None:
        if origin.is_relative_to(candidate.editable_root):
            return None
        return f"module {top!r} would load from {origin}, outside the editable tree {candidate.editable_root}"
    if str(origin) in _lexical_files(candidate.dist) or origin in _resolved_files(candidate.dist):
        return None
    return f"module {top!r} would load from {origin}, not from {candidate.distribution}'s files (shadowed)"


@functools.cache
def _lexical_files(dist: metadata.Distribution) -> frozenset[str]:
    base = os.path.realpath(str(dist.locate_file("")))
    return frozenset(os.path.normpath(os.path.join(base, f)) for f in record_paths(dist))


@functools.cache
def _resolved_files(dist: metadata.Distribution) -> frozenset[Path]:
    return frozenset(Path(str(dist.locate_file(f))).resolve() for f in dist.files or ())

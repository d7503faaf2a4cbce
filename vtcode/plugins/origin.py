"""Make sure the module about to be imported is the one the signed-off distribution installed.

A same-named package earlier on sys.path (the working directory under `python -m`, PYTHONPATH, a
user site) would otherwise be imported in its place, with the installed copy's sign-off.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from .discovery import Candidate


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
    installed = {Path(str(candidate.dist.locate_file(f))).resolve() for f in candidate.dist.files or ()}
    if origin in installed:
        return None
    return f"module {top!r} would load from {origin}, not from {candidate.distribution}'s files (shadowed)"

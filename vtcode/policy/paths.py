"""What the command and tool policies need from the workspace jail: a verdict for one path argument."""

from __future__ import annotations

from vtcode.workspace.path_check import PathCheck, PathChecker

__all__ = ["PathCheck", "PathChecker", "Remembering"]


def each_place(paths: PathChecker, path: str) -> list[PathCheck]:
    """`path` judged from every directory a relative path may be relative to (one for a plain checker)."""
    each = getattr(paths, "each", None)
    return each(path) if each is not None else [paths.check_path(path, write=False)]


class Remembering:
    """A PathChecker that asks `paths` about each (path, write) once. One decision often names a path
    several times (the secret check of every argument, then the rule's typed value, `.` in a pipeline),
    and within one decision the answer is the same; made fresh for each decision, never kept."""

    __slots__ = ("_paths", "_seen")

    def __init__(self, paths: PathChecker) -> None:
        self._paths = paths
        self._seen: dict[tuple[str, bool], PathCheck] = {}

    def each(self, path: str) -> list[PathCheck]:
        return each_place(self._paths, path)

    def check_path(self, path: str, *, write: bool) -> PathCheck:
        key = (path, write)
        found = self._seen.get(key)
        if found is None:
            found = self._seen[key] = self._paths.check_path(path, write=write)
        return found

"""grep: a regular-expression search over workspace files. It never follows a symlink out of the
workspace, skips binary and huge files, and caps its results.

A pattern is the model's: `^(a|aa)+$` over a line of forty `a`s runs for minutes in Python's `re`, which
nothing can interrupt, past the run's wall time. Patterns run in the `regex` module (the same syntax) with
a timeout: the whole search has TIME_BUDGET_S, or what is left of the run's wall time if less."""

from __future__ import annotations

import fnmatch
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from vtcode_hookspecs import ReadPath, RiskClass, ToolContext, ToolResult

from vtcode.api import PathDenied

MAX_FILE_BYTES = 2 * 1024 * 1024
TIME_BUDGET_S = 20.0  # the whole search; less when the run's wall time has less left
SKIP_DIRS = frozenset({".git", "node_modules", "__pycache__", ".venv", ".tox", ".mypy_cache", ".ruff_cache"})


class GrepArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pattern: str = Field(min_length=1, max_length=1000, description="Python regular expression")
    path: ReadPath = Field(default=".", description="File or directory to search")
    glob: str | None = Field(default=None, description="Only files whose name matches, e.g. '*.py'")
    ignore_case: bool = False
    max_results: int = Field(default=100, ge=1, le=1000)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class GrepTool:
    name = "grep"
    description = "Search workspace files for a regular expression; returns path:line: text."
    args_model = GrepArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: GrepArgs) -> ToolResult:
        # Python's syntax (the validator compiled it with `re`), run where a timeout can stop it. `regex`
        # costs ~80 ms to import: paid at the first search, not at every vtcode start.
        import regex

        pattern = regex.compile(args.pattern, (regex.IGNORECASE if args.ignore_case else 0) | regex.VERSION0)
        end = time.monotonic() + _budget(ctx)
        stop: Callable[[], bool] = getattr(ctx, "stop_requested", lambda: False)
        start = ctx.resolve(args.path)
        hits: list[str] = []
        skipped = 0
        for file in _files(start):
            relative = str(file.relative_to(ctx.workspace))
            if args.glob and not fnmatch.fnmatch(file.name, args.glob):
                continue
            try:
                data = ctx.read_bytes(relative, limit=MAX_FILE_BYTES + 1)
            except (PathDenied, OSError, ValueError):  # the jail refused it, or it cannot be read
                skipped += 1  # unreadable, or a symlink resolving out of the workspace: the jail refused it
                continue
            if len(data) > MAX_FILE_BYTES or b"\0" in data[:8192]:
                skipped += 1
                continue
            if stop():
                return ToolResult(ok=False, output="grep stopped by the user", data={"results": len(hits)})
            for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
                try:
                    found = pattern.search(line, timeout=max(end - time.monotonic(), 0.001))
                except TimeoutError:
                    return ToolResult(ok=False, output=(
                        f"grep stopped: the pattern ran past its time ({_budget(ctx):g} s) at "
                        f"{relative}:{number}; a pattern like (a|aa)+ backtracks without end, simplify it"),
                        data={"results": len(hits), "timed_out": True})
                if found:
                    if len(hits) == args.max_results:  # a further match exists: only then say so
                        return ToolResult(
                            ok=True,
                            output="\n".join(hits) + "\n[more results not shown]",
                            data={"results": len(hits), "truncated": True, "skipped": skipped},
                        )
                    hits.append(f"{relative}:{number}: {line[:300]}")
        return ToolResult(
            ok=True,
            output="\n".join(hits) or "no matches",
            data={"results": len(hits), "truncated": False, "skipped": skipped},
        )


def _budget(ctx: ToolContext) -> float:
    left: Callable[[], float | None] = getattr(ctx, "time_left", lambda: None)
    remaining = left()
    return TIME_BUDGET_S if remaining is None else max(min(TIME_BUDGET_S, remaining), 0.001)


def _files(start: Path) -> list[Path]:
    if start.is_file():
        return [start]
    found: list[Path] = []
    for directory, dirs, files in os.walk(start, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(directory) / name for name in sorted(files))
    return found

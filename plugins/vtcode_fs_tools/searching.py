"""grep: a regular-expression search over workspace files. It never follows a symlink out of the
workspace, skips binary and huge files, and caps its results."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator
from vtcode_hookspecs import ReadPath, RiskClass, ToolContext, ToolResult

from vtcode.api import PathDenied

MAX_FILE_BYTES = 2 * 1024 * 1024
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
        regex = re.compile(args.pattern, re.IGNORECASE if args.ignore_case else 0)
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
            for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
                if regex.search(line):
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


def _files(start: Path) -> list[Path]:
    if start.is_file():
        return [start]
    found: list[Path] = []
    for directory, dirs, files in os.walk(start, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        found.extend(Path(directory) / name for name in sorted(files))
    return found

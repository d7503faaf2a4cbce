"""write_file and edit_file. Writes are atomic (temp file + rename inside the jail) and return a diff, so
the model and the person approving see exactly what changed."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ConfigDict, Field
from vtcode_hookspecs import RiskClass, ToolContext, ToolResult, WritePath

MAX_DIFF_CHARS = 20_000


class WriteFileArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: WritePath = Field(description="File to create or replace, relative to the workspace root")
    content: str = Field(description="The whole new content of the file")


class WriteFileTool:
    name = "write_file"
    description = "Create or replace a file in the workspace with the given content."
    args_model = WriteFileArgs
    risk = RiskClass.WRITE

    def invoke(self, ctx: ToolContext, args: WriteFileArgs) -> ToolResult:
        # The old content only feeds the diff: a file that is not UTF-8 may still be replaced.
        before = _existing(ctx, args.path, errors="replace")
        ctx.write_bytes(args.path, args.content.encode("utf-8"))
        diff = unified_diff(args.path, before or "", args.content)
        verb = "created" if before is None else "replaced"
        return ToolResult(
            ok=True,
            output=f"{verb} {args.path} ({len(args.content.encode())} bytes)\n{diff}",
            data={"created": before is None, "bytes": len(args.content.encode())},
        )


class EditFileArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: WritePath = Field(description="File to edit, relative to the workspace root")
    old: str = Field(min_length=1, description="Exact text to replace (whitespace included)")
    new: str = Field(description="Replacement text")
    expected_replacements: int = Field(default=1, ge=1, description="How many occurrences must be replaced")


class EditFileTool:
    name = "edit_file"
    description = (
        "Replace exact text in a file. Fails unless `old` occurs exactly `expected_replacements` "
        "times; returns a unified diff."
    )
    args_model = EditFileArgs
    risk = RiskClass.WRITE

    def invoke(self, ctx: ToolContext, args: EditFileArgs) -> ToolResult:
        before = _existing(ctx, args.path)
        if before is None:
            return ToolResult(ok=False, output=f"{args.path}: no such file (use write_file to create it)")
        count = before.count(args.old)
        if count != args.expected_replacements:
            return ToolResult(
                ok=False,
                output=f"{args.path}: `old` occurs {count} times, expected "
                f"{args.expected_replacements}; nothing changed",
            )
        after = before.replace(args.old, args.new)
        ctx.write_bytes(args.path, after.encode("utf-8"))
        return ToolResult(
            ok=True, output=unified_diff(args.path, before, after), data={"replacements": count}
        )


def _existing(ctx: ToolContext, path: str, errors: str = "strict") -> str | None:
    try:
        return ctx.read_bytes(path).decode("utf-8", errors=errors)
    except FileNotFoundError:
        return None


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    text = "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
    if len(text) > MAX_DIFF_CHARS:
        return text[:MAX_DIFF_CHARS] + f"\n[diff truncated: {len(text) - MAX_DIFF_CHARS} more characters]\n"
    return text

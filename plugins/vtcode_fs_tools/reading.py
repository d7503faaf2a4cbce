"""read_file and list_dir: read-only inspection of the workspace."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from vtcode_hookspecs import ReadPath, RiskClass, ToolContext, ToolResult

MAX_READ_BYTES = 256 * 1024


class ReadFileArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: ReadPath = Field(description="File path, relative to the workspace root")
    start_line: int = Field(default=1, ge=1, description="First line to return (1-based)")
    max_lines: int = Field(default=2000, ge=1, le=100_000, description="How many lines at most")


class ReadFileTool:
    name = "read_file"
    description = "Read a text file in the workspace, optionally a range of lines."
    args_model = ReadFileArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: ReadFileArgs) -> ToolResult:
        raw = ctx.read_bytes(args.path, limit=MAX_READ_BYTES + 1)
        truncated = 0
        if len(raw) > MAX_READ_BYTES:
            # Only one byte past the cap was read; the size says how much the model is not seeing.
            truncated = max(1, ctx.resolve(args.path).stat().st_size - MAX_READ_BYTES)
        if b"\0" in raw[:8192]:
            return ToolResult(ok=False, output=f"{args.path}: binary file, not shown")
        lines = raw[:MAX_READ_BYTES].decode("utf-8", errors="replace").splitlines(keepends=True)
        chosen = lines[args.start_line - 1 : args.start_line - 1 + args.max_lines]
        note = f"\n[truncated: file is larger than {MAX_READ_BYTES} bytes]" if truncated else ""
        return ToolResult(
            ok=True,
            output="".join(chosen) + note,
            truncated_bytes=truncated,
            data={"lines": len(chosen), "total_lines": len(lines)},
        )


class ListDirArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: ReadPath = Field(default=".", description="Directory, relative to the workspace root")


class ListDirTool:
    name = "list_dir"
    description = "List the entries of a directory in the workspace (directories end with '/')."
    args_model = ListDirArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: ListDirArgs) -> ToolResult:
        path = ctx.resolve(args.path)
        entries = sorted(p.name + ("/" if p.is_dir() and not p.is_symlink() else "") for p in path.iterdir())
        return ToolResult(ok=True, output="\n".join(entries), data={"count": len(entries)})

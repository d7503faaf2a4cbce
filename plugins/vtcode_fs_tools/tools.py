"""read_file and list_dir: read-only inspection of the workspace."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from vtcode_hookspecs import RiskClass, ToolContext, ToolResult

MAX_READ_BYTES = 256 * 1024


class ReadFileArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, description="File path, relative to the workspace root")
    start_line: int = Field(default=1, ge=1)
    max_lines: int = Field(default=2000, ge=1, le=100_000)


class ReadFileTool:
    name = "read_file"
    description = "Read a text file in the workspace, optionally a range of lines."
    args_model = ReadFileArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: ReadFileArgs) -> ToolResult:
        path = ctx.resolve(args.path)
        with open(path, "rb") as handle:
            raw = handle.read(MAX_READ_BYTES + 1)
        truncated = max(0, len(raw) - MAX_READ_BYTES)
        lines = raw[:MAX_READ_BYTES].decode("utf-8", errors="replace").splitlines(keepends=True)
        chosen = lines[args.start_line - 1 : args.start_line - 1 + args.max_lines]
        return ToolResult(ok=True, output="".join(chosen), truncated_bytes=truncated)


class ListDirArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(default=".", min_length=1)


class ListDirTool:
    name = "list_dir"
    description = "List the entries of a directory in the workspace (directories end with '/')."
    args_model = ListDirArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: ListDirArgs) -> ToolResult:
        path = ctx.resolve(args.path)
        entries = sorted(p.name + ("/" if p.is_dir() else "") for p in path.iterdir())
        return ToolResult(ok=True, output="\n".join(entries), data={"count": len(entries)})

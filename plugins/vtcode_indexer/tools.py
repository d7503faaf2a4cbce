"""Agent tools over the index: list_symbols, find_symbol, outline. Read-only; content is read through the
call's workspace jail (`ctx.read_bytes`), and every path argument is a ReadPath the core checks first."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field
from vtcode_hookspecs import ReadPath, RiskClass, Symbol, ToolContext, ToolResult

if TYPE_CHECKING:  # the index engine loads on the first call: registering the tools stays cheap
    from .queries import CodeIndex

MAX_SHOWN = 500


def _index(ctx: ToolContext) -> CodeIndex:
    from .queries import CodeIndex

    return CodeIndex(ctx.workspace, read=lambda path, limit: ctx.read_bytes(path, limit=limit))


def _relative(ctx: ToolContext, path: str) -> str:
    """The jail's resolution of `path`, relative to the root ('' for the root itself)."""
    resolved = ctx.resolve(path)
    return "" if resolved == ctx.workspace else str(resolved.relative_to(ctx.workspace))


def _lines(symbols: list[Symbol]) -> str:
    shown = [f"{s.path}:{s.start_line}-{s.end_line} {s.kind} {s.name}"
             + (f" (in {s.parent})" if s.parent else "") for s in symbols[:MAX_SHOWN]]
    more = f"\n[{len(symbols) - MAX_SHOWN} more not shown]" if len(symbols) > MAX_SHOWN else ""
    return "\n".join(shown) + more if shown else "no symbols"


class ListSymbolsArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: ReadPath = Field(default=".", description="File or directory, relative to the workspace root")


class ListSymbolsTool:
    name = "list_symbols"
    description = "List the functions, classes and methods defined in a file or under a directory."
    args_model = ListSymbolsArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: ListSymbolsArgs) -> ToolResult:
        symbols = _index(ctx).symbols(_relative(ctx, args.path))
        return ToolResult(ok=True, output=_lines(symbols), data={"count": len(symbols)})


class FindSymbolArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, description="Symbol name, or part of one")
    exact: bool = Field(default=False, description="Only symbols named exactly `name`")
    limit: int = Field(default=50, ge=1, le=MAX_SHOWN)


class FindSymbolTool:
    name = "find_symbol"
    description = "Find where functions, classes or methods with a given name are defined in the workspace."
    args_model = FindSymbolArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: FindSymbolArgs) -> ToolResult:
        symbols = _index(ctx).find(args.name, exact=args.exact, limit=args.limit)
        return ToolResult(ok=True, output=_lines(symbols), data={"count": len(symbols)})


class OutlineArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: ReadPath = Field(description="Source file, relative to the workspace root")


class OutlineTool:
    name = "outline"
    description = "Show a source file's outline: classes, functions and methods, nested, with line ranges."
    args_model = OutlineArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: OutlineArgs) -> ToolResult:
        relative = _relative(ctx, args.path)
        if not relative or Path(ctx.workspace, relative).is_dir():
            return ToolResult(ok=False, output=f"{args.path}: a directory; use list_symbols")
        symbols = _index(ctx).symbols(relative)
        from .queries import outline_text

        return ToolResult(ok=True, output=outline_text(symbols) or f"{args.path}: no symbols",
                          data={"count": len(symbols)})

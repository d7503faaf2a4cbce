"""search_files: the agent's fuzzy file finder, over the same jailed, .gitignore-aware list as quick-open."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from vtcode_hookspecs import RiskClass, ToolContext, ToolResult


class SearchFilesArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=200, description="Fuzzy query, e.g. 'jsondecoder'")
    limit: int = Field(default=20, ge=1, le=200)
    hidden: bool = Field(default=False, description="Include hidden files and directories")


class SearchFilesTool:
    name = "search_files"
    description = ("Find workspace files by fuzzy path match (as an editor's quick-open ranks them); "
                   "returns relative paths, best first.")
    args_model = SearchFilesArgs
    risk = RiskClass.READ

    def invoke(self, ctx: ToolContext, args: SearchFilesArgs) -> ToolResult:
        from .search import FileSearch  # on first use: the file lister (pathspec) stays out of start-up

        found = FileSearch(ctx.workspace, hidden=args.hidden).search(args.query, args.limit)
        return ToolResult(ok=True, output="\n".join(m.path for m in found) or "no matching files",
                          data={"count": len(found)})

"""The shape of tool-policy.json, as the Rust vtcode writes it (version 1).

Its per-command rules and full semantics belong to the policy engine; here it is parsed, validated
and layered.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .command_rules import CommandRule
from .models import POLICY_ORDER, StrictModel, ToolPolicy
from .tighten import Rule, Tighten


class ToolConstraints(StrictModel):
    max_bytes_per_read: Annotated[int | None, Tighten(Rule.MIN), Field(ge=1)] = None
    max_response_bytes: Annotated[int | None, Tighten(Rule.MIN), Field(ge=1)] = None
    max_results_per_call: Annotated[int | None, Tighten(Rule.MIN), Field(ge=1)] = None
    allowed_url_schemes: Annotated[list[str] | None, Tighten(Rule.USER_ONLY)] = None
    denied_url_hosts: Annotated[list[str], Tighten(Rule.UNION)] = []


class McpPolicy(StrictModel):
    allowlist: Annotated[list[str], Tighten(Rule.INTERSECT)] = []


class ApprovalCache(StrictModel):
    """Standing approvals. Only the user's own file may hold them: a repository must not pre-approve."""

    allowed: Annotated[list[str], Tighten(Rule.USER_ONLY)] = []
    prefixes: Annotated[list[str], Tighten(Rule.USER_ONLY)] = []
    regexes: Annotated[list[str], Tighten(Rule.USER_ONLY)] = []
    # vtcode's additions, written by "always allow": a tool on exactly these absolute paths, and exact
    # tool calls (`tool {json arguments}`) of tools that name no path.
    tools: Annotated[dict[str, list[str]], Tighten(Rule.USER_ONLY)] = {}
    calls: Annotated[list[str], Tighten(Rule.USER_ONLY)] = []
    # Exact tool calls saved by "this workspace" (its absolute root -> calls), as `calls` is for every one.
    workspace_calls: Annotated[dict[str, list[str]], Tighten(Rule.USER_ONLY)] = {}
    # Commands "always allow" saved for one workspace (its absolute root -> exact argvs): approving `make
    # test` in one project is not approving another project's Makefile. `allowed` stays global (hand-written).
    workspaces: Annotated[dict[str, list[str]], Tighten(Rule.USER_ONLY)] = {}


class ToolPolicyFile(StrictModel):
    version: Literal[1] = 1
    available_tools: Annotated[list[str], Tighten(Rule.USER_ONLY)] = []
    policies: Annotated[dict[str, ToolPolicy], Tighten(Rule.ORDER_MAP, POLICY_ORDER)] = {}
    constraints: Annotated[dict[str, ToolConstraints], Tighten(Rule.USER_ONLY)] = {}
    mcp: McpPolicy = McpPolicy()
    approval_cache: ApprovalCache = ApprovalCache()
    # Per-command argument rules (vtcode's addition), merged rule by rule over the shipped defaults.
    # A repository may not define them: a rule can allow.
    commands: Annotated[dict[str, CommandRule], Tighten(Rule.USER_ONLY, per_key=True)] = {}

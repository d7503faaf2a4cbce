"""Lifecycle hooks: what a hook is told about a moment of the session, and what it may answer.

A hook can only make things stricter: it may deny, turn an allowed action into a question for the person
(`ask`), or add a message for the model or the person. It can never allow what the policy did not: the
core re-decides after every hook and keeps the strictest of the policy's decision and every answer, so
`"decision": "allow"` changes nothing. The same models serve command hooks (JSON on stdin and stdout) and
plugins implementing the `lifecycle_hook` hookspec.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ._decisions import ActionRequest, Decision

HookEventName = Literal[
    "session_start", "session_end", "user_prompt", "pre_tool", "post_tool", "approval_requested", "stop"
]
HOOK_EVENTS: tuple[str, ...] = (
    "session_start", "session_end", "user_prompt", "pre_tool", "post_tool", "approval_requested", "stop"
)


class LifecycleEvent(BaseModel):
    """One moment of the session, as a hook sees it (a command hook gets it as JSON on stdin)."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    event: HookEventName
    session: str
    workspace: str
    prompt: str | None = Field(default=None, description="user_prompt: what the person asked")
    call_id: str | None = None
    tool: str | None = None
    action: ActionRequest | None = Field(default=None, description="pre_tool, post_tool, approval_requested")
    decision: Decision | None = Field(default=None, description="pre_tool, approval_requested: the policy's")
    ok: bool | None = Field(default=None, description="post_tool: whether the tool succeeded")
    output: str | None = Field(default=None, description="post_tool: the tool's output (capped)")
    reason: str | None = Field(default=None, description="stop, session_end: why")


class HookAnswer(BaseModel):
    """What a hook says. Every field is optional: `{}` (or no output) means nothing to add.

    `decision`: "deny" refuses (pre_tool: the tool does not run; user_prompt: the prompt is not sent;
    approval_requested: the person is not asked and the action is denied; post_tool: the output is
    withheld from the model). "ask" turns a pre_tool allow into a question for the person (elsewhere
    it changes nothing). "allow" changes nothing, anywhere.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    decision: Literal["allow", "ask", "deny"] | None = None
    reason: str = Field(default="", max_length=4_096)
    message: str | None = Field(default=None, max_length=16_384, description="added for the model")
    user_message: str | None = Field(default=None, max_length=4_096, description="shown to the person")

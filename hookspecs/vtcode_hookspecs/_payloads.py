"""Typed payloads of `vtcode.exec-events/1`, one model per event type.

Evolution within /1 is additive only: a new event type, or a new field with a default, may be added; no field
is removed, renamed, retyped or made required. Payloads therefore accept fields they do not know
(`extra="allow"`): a reader of /1 keeps working on a log written by a newer vtcode. Anything else is /2.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._decisions import ActionRequest


class Payload(BaseModel):
    """Base of every payload: known fields are typed, unknown (newer) fields are kept."""

    # Schemas are built on first use (defer_build): most event types never occur in a given run.
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)


# -- session, configuration, workspace --------------------------------------------------------------


class SessionStarted(Payload):
    """The first event of a session's audit log: who runs vtcode, where."""

    workspace: str | None = None
    version: str | None = None
    user: str | None = None
    host: str | None = None
    pid: int | None = None


class SessionEnded(Payload):
    """The closing event: a log without it was cut short (crash or truncation)."""

    reason: str = "normal"
    events: int | None = Field(default=None, description="events in the session, this one included")


class ConfigLoaded(Payload):
    """Which rules were in force: a digest of the effective policy and the layers applied."""

    digest: str = Field(description="sha256 of the effective vtcode.toml and tool-policy.json")
    layers: list[str] = []
    notices: list[str] = []


class WorkspaceTrust(Payload):
    root: str
    trusted: bool
    reason: str = ""


# -- plugins --------------------------------------------------------------------------------------


class PluginDiscovered(Payload):
    name: str
    distribution: str | None = None
    version: str | None = None
    module: str | None = None
    builtin: bool = False


class PluginSignedOff(Payload):
    name: str
    distribution: str | None = None
    version: str | None = None
    builtin: bool = False
    status: str = "signed-off"
    reason: str = ""
    integrity: str | None = None
    record_digest: str | None = None
    hook_families: list[str] = []
    approved_families: list[str] = []
    registered: dict[str, list[str]] = {}


class PluginBlocked(Payload):
    name: str
    distribution: str | None = None
    status: str = "blocked"
    reason: str


# -- policy and approvals -------------------------------------------------------------------------


class PolicyDecision(Payload):
    """What the policy engine decided about one action, and the rule that decided it."""

    call_id: str = ""
    action: ActionRequest
    decision: Literal["allow", "prompt", "deny"]
    reason: str
    rule: str | None = None


class ApprovalRequested(Payload):
    """A person is asked; `digest` names the exact action, so the answer cannot be replayed on another."""

    digest: str
    action: ActionRequest
    commands: list[list[str]] = []
    reason: str = ""
    rule: str | None = None
    offers: list[str] = []
    always_rule: str | None = Field(default=None, description="what an 'always' answer would save, as shown")
    links: list[list[str]] = Field(
        default=[], description="[path as named, where it leads] for each path that goes through a symlink"
    )


class Approver(Payload):
    """Who answered: the OS user and terminal, or the source of a remembered answer."""

    user: str | None = None
    uid: str | None = None
    tty: str | None = None
    pid: str | None = None
    source: str | None = None


class ApprovalAnswered(Payload):
    digest: str
    answer: str
    who: Approver
    remembered: str | None = None
    cached: bool = False
    not_saved: str | None = Field(default=None, description="why an 'always' answer could not be saved")


# -- tools and commands ---------------------------------------------------------------------------


class ToolStarted(Payload):
    call_id: str = ""
    tool: str
    plugin: str | None = None
    args: dict[str, Any] = {}
    digest: str | None = Field(default=None, description="action digest of exactly what runs (approval's)")


class ToolFinished(Payload):
    call_id: str = ""
    tool: str
    ok: bool
    bytes: int = Field(default=0, ge=0)
    truncated_bytes: int = Field(default=0, ge=0)


class ToolRefused(Payload):
    call_id: str = ""
    tool: str
    reason: str


class CommandStarted(Payload):
    """A process is about to start: what runs, where, and what the sandbox enforces on it."""

    call_id: str = ""
    argv: list[str] = Field(min_length=1)
    cwd: str
    mode: str | None = Field(default=None, description="sandbox mode (read-only, workspace-write...)")
    backend: str | None = Field(default=None, description="sandbox backend (landlock, seatbelt, none)")
    enforced: list[str] = Field(default=[], description="what the backend enforces (landlock, seccomp...)")
    pid: int | None = None
    terminal: bool = False
    timeout_s: float | None = None
    session_id: str | None = Field(default=None, description="a long-lived shell session's id")


class CommandOutput(Payload):
    """Output of a running command, in rate-limited chunks; `text` is an excerpt."""

    call_id: str = ""
    argv: list[str] = []
    bytes: int = Field(ge=0, description="bytes since the previous command.output")
    total_bytes: int | None = Field(default=None, ge=0)
    text: str | None = None
    elided_bytes: int | None = Field(default=None, ge=0)


class SandboxFacts(Payload):
    backend: str | None = None
    mode: str | None = None
    enforced: list[str] = []


class CommandFinished(Payload):
    call_id: str = ""
    argv: list[str] = []
    cwd: str | None = None
    exit_code: int | None = Field(default=None, description="exit status; None when it did not exit")
    duration_s: float | None = Field(default=None, ge=0)
    bytes: int | None = Field(default=None, ge=0, description="output bytes, all streams")
    timed_out: bool = False
    interrupted: bool = False
    killed: int | None = Field(default=None, description="descendants killed at the end")
    restored: list[str] = Field(default=[], description="protected paths put back after the command")
    sandbox: SandboxFacts | None = None
    session_id: str | None = None


class SandboxSelected(Payload):
    """The backend that will confine this session's commands, and what this kernel lets it enforce."""

    backend: str
    enforces: list[str] = Field(default=[], description="e.g. landlock-abi-7, seccomp, no_new_privs")


class SandboxViolation(Payload):
    """A confined process did something the sandbox forbids (seen by the kernel or by the restore check)."""

    call_id: str = ""
    name: str | None = Field(default=None, description="the sandbox backend")
    path: str | None = None
    action: str | None = Field(default=None, description="what was done (modified, replaced...)")
    reason: str


# -- models ---------------------------------------------------------------------------------------


class LlmRequest(Payload):
    provider: str
    model: str
    messages: int = Field(default=0, ge=0, description="number of messages sent")
    tools: int = Field(default=0, ge=0)
    content: list[dict[str, Any]] | None = Field(default=None, description="only when configured")
    bytes: int | None = Field(default=None, ge=0, description="size of the request body as JSON")
    attempt: int | None = Field(default=None, ge=1, description="1 for the first try at this provider")


class LlmResponse(Payload):
    provider: str
    model: str
    input_tokens: int | None = None
    cached_input_tokens: int | None = None
    output_tokens: int | None = None
    latency_ms: float | None = None
    finish_reason: str | None = None
    content: str | None = Field(default=None, description="only when configured")
    tool_calls: int | None = Field(default=None, ge=0, description="tool calls the model asked for")


class LlmReasoning(Payload):
    """The model's stated reason for an action, kept beside the action it explains."""

    text: str
    call_id: str = ""


class ProviderFailover(Payload):
    provider: str = Field(description="the provider that failed")
    fallback: str = Field(description="the provider used instead")
    reason: str
    kind: str | None = Field(
        default=None, description="connection, timeout, rate_limit, server or circuit_open"
    )


class Error(Payload):
    """Something went wrong that the record must show: a failing sink, events it lost, a broken plugin."""

    message: str
    source: str | None = None
    sink: str | None = None
    dropped: int | None = None
    first_seq: int | None = None
    last_seq: int | None = None


PAYLOADS: dict[str, type[Payload]] = {
    "session.started": SessionStarted,
    "session.ended": SessionEnded,
    "config.loaded": ConfigLoaded,
    "workspace.trust": WorkspaceTrust,
    "plugin.discovered": PluginDiscovered,
    "plugin.signed_off": PluginSignedOff,
    "plugin.blocked": PluginBlocked,
    "policy.decision": PolicyDecision,
    "approval.requested": ApprovalRequested,
    "approval.answered": ApprovalAnswered,
    "tool.started": ToolStarted,
    "tool.finished": ToolFinished,
    "tool.refused": ToolRefused,
    "command.started": CommandStarted,
    "command.output": CommandOutput,
    "command.finished": CommandFinished,
    "sandbox.selected": SandboxSelected,
    "sandbox.violation": SandboxViolation,
    "llm.request": LlmRequest,
    "llm.response": LlmResponse,
    "llm.reasoning": LlmReasoning,
    "provider.failover": ProviderFailover,
    "error": Error,
}

# Written and fsynced to the audit log before the action they precede runs (write-ahead).
SECURITY_EVENTS: frozenset[str] = frozenset(
    {"policy.decision", "approval.requested", "approval.answered", "command.started"}
)

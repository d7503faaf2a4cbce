"""Typed payloads of `vtcode.exec-events/1`, one model per event type.

Evolution within /1 is additive only: a new event type, or a new field with a default, may be added; no field
is removed, renamed, retyped or made required. Payloads therefore accept fields they do not know
(`extra="allow"`): a reader of /1 keeps working on a log written by a newer vtcode. Anything else is /2.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._decisions import ActionRequest, RuleId


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


class ConfigNotice(Payload):
    """A setting that was ignored (a workspace trying to loosen one, an untrusted workspace's file)."""

    message: str


class WorkspaceTrust(Payload):
    root: str
    trusted: bool
    reason: str = ""


class InstructionFile(BaseModel):
    """One project-instructions file placed in the model's context: exactly which bytes the model saw."""

    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    path: str = Field(description="relative to the workspace root, '/'-separated")
    sha256: str = Field(description="sha256 of the bytes placed in the context")
    bytes: int = Field(ge=0, description="bytes placed in the context")
    truncated: bool = Field(default=False, description="the file was longer than the size cap left room for")


class SkippedInstructions(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, defer_build=True)

    path: str
    reason: str


class InstructionsLoaded(Payload):
    """Project instructions (AGENTS.md) read into the model's context as guidance, never as policy."""

    files: list[InstructionFile] = []
    skipped: list[SkippedInstructions] = Field(default=[], description="files found but not read, and why")
    trusted: bool = True
    max_bytes: int | None = Field(default=None, ge=0, description="the session's size cap, all files")


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
    rule: RuleId | None = Field(default=None, title="Rule")  # (the title a str field had)


class ApprovalRequested(Payload):
    """A person is asked; `digest` names the exact action, so the answer cannot be replayed on another."""

    digest: str
    action: ActionRequest
    commands: list[list[str]] = []
    reason: str = ""
    rule: RuleId | None = Field(default=None, title="Rule")  # (the title a str field had)
    offers: list[str] = []
    always_rule: str | None = Field(
        default=None, description="what an 'always' answer (every workspace) would save, as shown"
    )
    workspace_rule: str | None = Field(
        default=None, description="what a 'this workspace' answer would save, as shown"
    )
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
    decision: str | None = Field(default=None, description="allow, prompt or deny: what the policy said")


# -- MCP servers (plugins/vtcode_mcp) -------------------------------------------------------------


class McpCall(Payload):
    """One MCP tool call that reached its server: the record an auditor needs without the arguments'
    content (they are in tool.started) or the result's (untrusted, possibly large)."""

    call_id: str = ""
    server: str
    tool: str = Field(description="the server's own tool name")
    args_digest: str = Field(description="sha256 of the arguments as canonical JSON")
    decision: str = Field(description="what let the call run: the policy's allow, or a person's answer")
    ok: bool
    result_bytes: int = Field(ge=0, description="bytes of the result before the cap")
    truncated_bytes: int = Field(default=0, ge=0)
    duration_ms: float = Field(ge=0)
    error: str | None = None


class McpServer(Payload):
    """A server's life: refused (not approved, changed, denied by the administrator), started, ready
    with its tools, tools changed, restarted, failed, stopped. (`approved` and `revoked` are in logs
    written before the person's approvals became `mcp.approval` events.)"""

    server: str
    state: Literal[
        "refused",
        "starting",
        "spawned",
        "ready",
        "tools_changed",
        "restarting",
        "failed",
        "unavailable",
        "stopped",
        "approved",
        "revoked",
    ]
    reason: str = ""
    identity: str | None = Field(default=None, description="digest of what was approved or refused")
    source: str | None = Field(default=None, description="user, managed or workspace")
    tools: list[str] = []
    # A stdio server's confined process (state "spawned"): what runs and what confines it.
    pid: int | None = None
    argv: list[str] = []
    mode: str | None = Field(default=None, description="sandbox mode of the server (read-only...)")
    network: bool | None = None
    egress: list[str] | None = Field(
        default=None, description="the hosts its network grant allows through the egress proxy")
    enforced: list[str] = Field(default=[], description="what the sandbox backend enforces")
    read_roots: list[str] = []


class McpApproval(Payload):
    """The person approved a workspace's proposed server, or withdrew that approval (`vtcode mcp approve`
    / `revoke`, or the TUI's servers screen): who, which server identity, for which workspace. Written
    ahead: an approval whose record cannot be made durable is not given."""

    server: str
    action: Literal["approved", "revoked"]
    identity: str | None = Field(default=None, description="the digest approved (revoked: the one that was)")
    what: str = Field(default="", description="what the identity runs: command line, env names, grants")
    workspace: str = Field(description="the scope: approvals hold for this workspace only")
    who: Approver
    via: Literal["cli", "tui"]


class SandboxVerified(Payload):
    """approvals.mode = "auto": the probe run under the sandbox at the first auto decision, and its result.
    `ok = false` means every prompt of the session still asks."""

    ok: bool
    reason: str = ""
    enforced: list[str] = []


class CheckpointTaken(Payload):
    """The workspace was recorded before an action that can change it (docs/checkpoints.md)."""

    id: int = Field(ge=1)
    tree: str = Field(description="the snapshot's git tree id in the checkpoint store")
    call_id: str = ""
    tool: str = ""
    skipped: list[str] = Field(default=[], description="files over the size cap, left out")
    store: str | None = None


class CheckpointRestored(Payload):
    """Files were brought back from a checkpoint; `before` is the checkpoint taken first (undoable)."""

    id: int = Field(ge=1)
    before: int | None = Field(default=None, description="checkpoint of the workspace just before")
    written: list[str] = []
    deleted: list[str] = []
    kept: list[str] = Field(default=[], description="paths left as they are, each with its reason")
    failed: list[str] = []
    overwrite: bool = False


class CheckpointsPruned(Payload):
    """Old checkpoints of this workspace are about to be dropped (`vtcode checkpoints prune`, or at a
    session's start): recorded durably first, since what is dropped can no longer be restored."""

    first: int = Field(ge=1, description="the first checkpoint dropped")
    last: int = Field(ge=1, description="the last checkpoint dropped (every one between goes too)")
    dropped: int = Field(ge=1)
    kept: int = Field(ge=0)
    live: list[str] = Field(default=[], description="running sessions whose checkpoints were kept")
    keep_sessions: int
    keep_days: float
    via: Literal["cli", "session start"]
    store: str | None = None


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


class SandboxApplied(Payload):
    """A command is about to run confined: the mode, what the backend enforces, the paths watched."""

    name: str = Field(description="the sandbox backend")
    mode: str | None = None
    argv: list[str] = []
    cwd: str | None = None
    enforced: list[str] = []
    restore_watched: list[str] = Field(default=[], description="protected paths checked after the command")
    message: str | None = None


class SandboxDenied(Payload):
    """A command was refused because its sandbox could not be applied (fail closed)."""

    name: str = Field(description="the sandbox backend")
    argv: list[str] = []
    reason: str


class SandboxUnsandboxed(Payload):
    """No backend could confine commands and `sandbox.allow_unsandboxed` let them run anyway."""

    name: str
    reason: str


class SandboxFullAccess(Payload):
    """`sandbox.mode = "full-access"`: commands may write anywhere and use the network."""

    name: str
    reason: str


class SandboxViolation(Payload):
    """A confined process did something the sandbox forbids (seen by the kernel or by the restore check)."""

    call_id: str = ""
    name: str | None = Field(default=None, description="the sandbox backend")
    path: str | None = None
    action: str | None = Field(default=None, description="what was done (modified, replaced...)")
    reason: str


# -- lifecycle hooks -------------------------------------------------------------------------------


class HookRan(Payload):
    """One run of a lifecycle hook: what it answered, how long it took, and what the core made of it."""

    hook: str
    event: str
    source: str = Field(description="managed, user, system, workspace, --config/-c, or plugin:<name>")
    kind: Literal["command", "plugin"] = "command"
    digest: str | None = Field(default=None, description="command hooks: the digest an approval names")
    call_id: str = ""
    answer: str | None = Field(default=None, description="allow, ask, deny, or None for no decision")
    reason: str = ""
    message: str | None = None
    user_message: str | None = None
    effect: str = Field(default="none", description="none, deny, ask, withheld, message, failed-closed, "
                        "failed-open, skipped")
    error: str | None = None
    exit_code: int | None = None
    timed_out: bool = False
    duration_ms: float | None = Field(default=None, ge=0)


# -- models ---------------------------------------------------------------------------------------
# -- models and the agent loop --------------------------------------------------------------------


class TurnStarted(Payload):
    """A request to the model is about to go out: what the context window holds."""

    turn: int = Field(ge=0)
    messages: int | None = Field(default=None, ge=0)
    bytes: int | None = Field(default=None, ge=0)
    tokens: int | None = None
    window: int | None = None
    input_budget: int | None = None
    window_source: str | None = None
    dropped: int | None = None
    truncated_bytes: int | None = None


class TurnCompleted(Payload):
    turn: int = Field(ge=0)
    tool_calls: int = Field(default=0, ge=0, description="tool calls allowed to run this turn")
    finish_reason: str | None = None


class AgentStopped(Payload):
    """Why the agent loop ended (finished, limit, denied, interrupted...), and what it took."""

    reason: str
    detail: str = ""
    turns: int | None = None
    tool_calls: int | None = None
    tokens: int | None = None


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


class NetworkRequest(Payload):
    """One connection a sandboxed command made through the egress proxy (`sandbox.network` mode "allowlist"),
    allowed or refused, emitted when it ends: what left the machine, to where, and by which rule."""

    host: str = Field(description="the host the command asked for (CONNECT target or the URL's host)")
    port: int = Field(ge=0, le=65535)
    method: str = Field(description="CONNECT, or the plain-HTTP method")
    address: str | None = Field(default=None, description="the resolved address connected to")
    decision: Literal["allow", "deny"]
    rule: str = Field(description="the rule that decided, e.g. 'allow *.pythonhosted.org' or 'no-rule'")
    reason: str = ""
    sni: str | None = Field(default=None, description="the TLS server name seen in a CONNECT tunnel")
    bytes_up: int = Field(default=0, ge=0, description="bytes from the command to the server")
    bytes_down: int = Field(default=0, ge=0, description="bytes from the server to the command")
    duration_ms: float = Field(default=0.0, ge=0)
    status: int | None = Field(default=None, description="plain HTTP: the server's status code")
    client: str | None = Field(default=None, description="who connected when not a command: 'mcp:<server>'")


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
    "config.notice": ConfigNotice,
    "workspace.trust": WorkspaceTrust,
    "instructions.loaded": InstructionsLoaded,
    "plugin.discovered": PluginDiscovered,
    "plugin.signed_off": PluginSignedOff,
    "plugin.blocked": PluginBlocked,
    "policy.decision": PolicyDecision,
    "hook.ran": HookRan,
    "approval.requested": ApprovalRequested,
    "approval.answered": ApprovalAnswered,
    "tool.started": ToolStarted,
    "tool.finished": ToolFinished,
    "tool.refused": ToolRefused,
    "mcp.call": McpCall,
    "mcp.server": McpServer,
    "mcp.approval": McpApproval,
    "sandbox.verified": SandboxVerified,
    "checkpoint.taken": CheckpointTaken,
    "checkpoint.restored": CheckpointRestored,
    "checkpoint.pruned": CheckpointsPruned,
    "command.started": CommandStarted,
    "command.output": CommandOutput,
    "command.finished": CommandFinished,
    "sandbox.selected": SandboxSelected,
    "sandbox.applied": SandboxApplied,
    "sandbox.denied": SandboxDenied,
    "sandbox.unsandboxed": SandboxUnsandboxed,
    "sandbox.full_access": SandboxFullAccess,
    "sandbox.violation": SandboxViolation,
    "network.request": NetworkRequest,
    "turn.started": TurnStarted,
    "turn.completed": TurnCompleted,
    "agent.stopped": AgentStopped,
    "llm.request": LlmRequest,
    "llm.response": LlmResponse,
    "llm.reasoning": LlmReasoning,
    "provider.failover": ProviderFailover,
    "error": Error,
}

EVENT_TYPES: dict[type[Payload], str] = {model: name for name, model in PAYLOADS.items()}

# Written and fsynced to the audit log before the action they precede runs (write-ahead).
SECURITY_EVENTS: frozenset[str] = frozenset(
    {"policy.decision", "approval.requested", "approval.answered", "command.started", "mcp.approval",
     "checkpoint.pruned"}
)

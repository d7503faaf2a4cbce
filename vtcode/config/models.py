"""The shape of vtcode.toml. Key names follow the Rust vtcode where it has one for the same thing.

Security fields carry a `Tighten` marker: see tighten.py. Every model forbids unknown keys and coercion,
so a typo or a quoted number is an error naming the key, never a silently ignored setting.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vtcode.distributions import check_version_range

from .tighten import Rule, Tighten

ToolPolicy = Literal["allow", "prompt", "deny"]
POLICY_ORDER = ("allow", "prompt", "deny")
SandboxMode = Literal["read-only", "workspace-write", "full-access"]
ApprovalMode = Literal["auto", "on-request", "untrusted", "never"]
ThirdPartyMode = Literal["approved", "none", "any"]
Family = Literal[
    "commands", "event_sinks", "indexers", "providers", "review", "sandboxes", "storage", "tools"
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PluginPin(StrictModel):
    """An administrator's approval: this distribution, in this version range, with this RECORD digest."""

    name: str = Field(min_length=1)
    version: str = "*"
    record_digest: str | None = Field(default=None, pattern=r"^sha256:[0-9a-f]{64}$")
    families: list[Family] | None = None

    @field_validator("version")
    @classmethod
    def _valid_specifier(cls, value: str) -> str:
        return value if value == "*" else check_version_range(value)


class PluginsConfig(StrictModel):
    disabled: Annotated[list[str], Tighten(Rule.UNION)] = []
    # {"builtin_name": "replacement_name"}: the built-in is disabled in favour of the replacement.
    replace: Annotated[dict[str, str], Tighten(Rule.USER_ONLY)] = {}
    third_party: Annotated[ThirdPartyMode, Tighten(Rule.ORDER, ("any", "approved", "none"))] = "approved"
    require_verified: Annotated[bool, Tighten(Rule.TRUE_WINS)] = False
    allow_user_approvals: Annotated[bool, Tighten(Rule.MANAGED_ONLY)] = True
    pins: Annotated[list[PluginPin], Tighten(Rule.MANAGED_ONLY)] = []


class ToolsConfig(StrictModel):
    default_policy: Annotated[ToolPolicy, Tighten(Rule.ORDER, POLICY_ORDER)] = "prompt"
    max_tool_loops: Annotated[int, Tighten(Rule.MIN), Field(ge=1, le=10_000)] = 50
    max_repeated_tool_calls: Annotated[int, Tighten(Rule.MIN), Field(ge=1, le=1_000)] = 3
    policies: Annotated[
        dict[str, ToolPolicy], Tighten(Rule.ORDER_MAP, POLICY_ORDER, fallback_key="tools.default_policy")
    ] = {}


class CommandsConfig(StrictModel):
    """Deny lists are checked first, then allow lists; a command matching neither is not allowed."""

    allow_list: Annotated[list[str], Tighten(Rule.INTERSECT)] = []
    allow_glob: Annotated[list[str], Tighten(Rule.INTERSECT)] = []
    allow_regex: Annotated[list[str], Tighten(Rule.INTERSECT)] = []
    deny_list: Annotated[list[str], Tighten(Rule.UNION)] = []
    deny_glob: Annotated[list[str], Tighten(Rule.UNION)] = []
    deny_regex: Annotated[list[str], Tighten(Rule.UNION)] = []


class SandboxConfig(StrictModel):
    mode: Annotated[SandboxMode, Tighten(Rule.ORDER, ("full-access", "workspace-write", "read-only"))] = (
        "workspace-write"
    )
    backend: Annotated[str, Tighten(Rule.USER_ONLY)] = "auto"
    network: Annotated[bool, Tighten(Rule.FALSE_WINS)] = False
    allow_unsandboxed: Annotated[bool, Tighten(Rule.FALSE_WINS)] = False
    read_roots: Annotated[list[str], Tighten(Rule.INTERSECT)] = []
    timeout_s: Annotated[float, Tighten(Rule.MIN), Field(gt=0, le=86_400)] = 600.0


class SecurityConfig(StrictModel):
    human_in_the_loop: Annotated[bool, Tighten(Rule.TRUE_WINS)] = True


class ApprovalsConfig(StrictModel):
    mode: Annotated[ApprovalMode, Tighten(Rule.ORDER, ("auto", "on-request", "untrusted", "never"))] = (
        "on-request"
    )
    allow_always: Annotated[bool, Tighten(Rule.FALSE_WINS)] = True
    # false (e.g. in the managed file): mode "auto" asks as "on-request" does (docs/agent.md).
    allow_auto: Annotated[bool, Tighten(Rule.FALSE_WINS)] = True


class CheckpointsConfig(StrictModel):
    """The workspace recorded before every action that can change it (docs/checkpoints.md). A workspace
    cannot switch them off: undo is what makes fewer prompts safe."""

    enabled: Annotated[bool, Tighten(Rule.TRUE_WINS)] = True
    # A file larger than this is left out of checkpoints (listed as skipped; a restore leaves it as it is).
    max_file_bytes: Annotated[int, Tighten(Rule.USER_ONLY), Field(ge=0, le=1 << 40)] = 10 * 1024 * 1024


class AuditConfig(StrictModel):
    enabled: Annotated[bool, Tighten(Rule.TRUE_WINS)] = True
    dir: Annotated[str | None, Tighten(Rule.USER_ONLY)] = None
    fsync: Annotated[Literal["event", "batch"], Tighten(Rule.ORDER, ("batch", "event"))] = "batch"
    # A session's log continues in <session>.1.jsonl, .2... past this size; the chain runs across them.
    rotate_bytes: Annotated[int, Tighten(Rule.USER_ONLY), Field(ge=4096)] = 256 * 1024 * 1024


class EventsConfig(StrictModel):
    """Where events go besides the audit log. A workspace cannot add or change sinks: it could send
    the record of your session to its own server."""

    stderr: Literal["human", "jsonl", "off"] = "human"
    # {sink name: its options}, e.g. {"splunk-hec": {"url": "...", "token_env": "SPLUNK_HEC_TOKEN"}}
    sinks: Annotated[dict[str, dict[str, Any]], Tighten(Rule.USER_ONLY)] = {}
    queue: Annotated[int, Tighten(Rule.USER_ONLY), Field(ge=1, le=1_000_000)] = 10_000
    # Message text in llm.request/llm.response events: off by default, since events leave the machine.
    llm_content: Annotated[bool, Tighten(Rule.USER_ONLY)] = False


class ProviderConfig(StrictModel):
    """One `[providers.<name>]` table. The API key itself is never here: only where to find it."""

    provider: str | None = Field(default=None, description="registered provider to use; default: <name>")
    base_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    model: str | None = Field(default=None, min_length=1)
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    api_key_secret: str | None = Field(default=None, min_length=1)
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    connect_timeout_s: float = Field(default=5.0, gt=0, le=300)
    context_length: int | None = Field(default=None, ge=1)
    allow_load: bool = Field(
        default=False,
        description="`vtcode exec --model NAME` may load NAME on the server when it is not loaded "
        "(LM Studio); the TUI loads only a model the person picks",
    )
    headers: dict[str, str] = {}
    options: dict[str, Any] = {}


class ProvidersConfig(StrictModel):
    """The failover chain and how hard to try each provider. Every key is user-only: a workspace that
    could name a base_url or a provider could send your code and prompts to a server of its choosing.

    `[providers.<name>]` tables (typed extras) configure one provider each; see ProviderConfig.
    """

    model_config = ConfigDict(extra="allow", strict=True)
    # How merge.py treats a `[providers.<name>]` table: user-only, merged key by key across layers.
    extras_tighten: ClassVar[Tighten] = Tighten(Rule.USER_ONLY, per_key=True)
    __pydantic_extra__: dict[str, ProviderConfig] = Field(init=False)

    chain: Annotated[list[str], Tighten(Rule.USER_ONLY)] = ["lmstudio"]
    retries: Annotated[int, Tighten(Rule.USER_ONLY), Field(ge=0, le=10)] = 2
    backoff_s: Annotated[float, Tighten(Rule.USER_ONLY), Field(ge=0, le=60)] = 0.5
    backoff_max_s: Annotated[float, Tighten(Rule.USER_ONLY), Field(ge=0, le=600)] = 8.0
    failure_threshold: Annotated[int, Tighten(Rule.USER_ONLY), Field(ge=1, le=1000)] = 3
    cooldown_s: Annotated[float, Tighten(Rule.USER_ONLY), Field(ge=0, le=86_400)] = 60.0

    def entries(self) -> dict[str, ProviderConfig]:
        """The `[providers.<name>]` tables, by name."""
        return dict(self.__pydantic_extra__ or {})


class AgentConfig(StrictModel):
    """Limits of one agent session (DoS protection: a workspace may lower them, never raise them) and the
    model's context window. See docs/agent.md."""

    max_turns: Annotated[int, Tighten(Rule.MIN), Field(ge=1, le=10_000)] = 50
    max_tool_calls_per_turn: Annotated[int, Tighten(Rule.MIN), Field(ge=1, le=1_000)] = 16
    max_wall_time_s: Annotated[float, Tighten(Rule.MIN), Field(gt=0, le=604_800)] = 1_800.0
    max_tokens: Annotated[int, Tighten(Rule.MIN), Field(ge=1_000)] = 2_000_000
    # None: the provider's metadata for the model, else 8192. A configured value below it wins.
    context_window: Annotated[int | None, Tighten(Rule.MIN), Field(ge=1_024)] = None
    max_output_tokens: Annotated[int, Tighten(Rule.MIN), Field(ge=64)] = 4_096


class VtcodeConfig(StrictModel):
    plugins: PluginsConfig = PluginsConfig()
    tools: ToolsConfig = ToolsConfig()
    commands: CommandsConfig = CommandsConfig()
    sandbox: SandboxConfig = SandboxConfig()
    security: SecurityConfig = SecurityConfig()
    approvals: ApprovalsConfig = ApprovalsConfig()
    checkpoints: CheckpointsConfig = CheckpointsConfig()
    audit: AuditConfig = AuditConfig()
    events: EventsConfig = EventsConfig()
    providers: ProvidersConfig = ProvidersConfig()
    agent: AgentConfig = AgentConfig()


class ManagedConfig(VtcodeConfig):
    """The enterprise file: vtcode.toml's keys plus `locked`, the dotted keys no other layer may change."""

    locked: list[str] = []

"""The shape of vtcode.toml. Key names follow the Rust vtcode where it has one for the same thing.

Security fields carry a `Tighten` marker: see tighten.py. Every model forbids unknown keys and coercion,
so a typo or a quoted number is an error naming the key, never a silently ignored setting.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vtcode.distributions import check_version_range

from .tighten import Rule, Tighten

ToolPolicy = Literal["allow", "prompt", "deny"]
POLICY_ORDER = ("allow", "prompt", "deny")
SandboxMode = Literal["read-only", "workspace-write", "full-access"]
NetworkMode = Literal["off", "allowlist", "full"]
NETWORK_ORDER = ("full", "allowlist", "off")  # loosest -> strictest
ApprovalMode = Literal["auto", "on-request", "untrusted", "never"]
ThirdPartyMode = Literal["approved", "none", "any"]
Family = Literal[
    "commands", "event_sinks", "indexers", "lifecycle", "providers", "review", "sandboxes", "storage", "tools"
]
HookEvent = Literal[
    "session_start", "session_end", "user_prompt", "pre_tool", "post_tool", "approval_requested", "stop"
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


class NetworkConfig(StrictModel):
    """`[sandbox.network]`: what a sandboxed command may reach. `mode = "off"` (the default): nothing;
    `"allowlist"`: its only route out is vtcode's egress proxy, which lets through the hosts `allow`
    names (and the registries and forges of `defaults`), never those `deny` names; `"full"`: the host's
    whole network. A workspace may only narrow it (off < allowlist < full; drop allowed hosts, add denied
    ones). The old spellings `sandbox.network = true|false` and `[sandbox.egress]` are still read (see
    network_legacy.py). See docs/security/network.md."""

    mode: Annotated[NetworkMode, Tighten(Rule.ORDER, NETWORK_ORDER)] = "off"
    defaults: Annotated[bool, Tighten(Rule.FALSE_WINS)] = False
    allow: Annotated[list[str], Tighten(Rule.INTERSECT)] = []
    deny: Annotated[list[str], Tighten(Rule.UNION)] = []
    # {"host or *.domain": ["GET", "HEAD"]}: only these methods for that host (CONNECT must be listed for
    # https, whose methods the proxy cannot see).
    methods: Annotated[dict[str, list[str]], Tighten(Rule.USER_ONLY)] = {}
    # {"name": "address"}: the proxy's own resolver override (tests, an air-gapped mirror). The address is
    # still checked: a non-public one needs an address rule in `allow`.
    hosts: Annotated[dict[str, str], Tighten(Rule.USER_ONLY)] = {}
    # Where the proxy listens inside the command's network namespace (HTTP_PROXY=http://127.0.0.1:<port>).
    port: Annotated[int, Tighten(Rule.USER_ONLY), Field(ge=1, le=65535)] = 3128
    # A host no rule names is offered to the person (once / this session / always for this workspace)
    # where one can answer (the TUI, a terminal); without a terminal (`vtcode exec` in CI) it is refused
    # unasked.
    ask: Annotated[bool, Tighten(Rule.FALSE_WINS)] = True

    @property
    def full(self) -> bool:
        return self.mode == "full"

    @field_validator("allow", "deny")
    @classmethod
    def _valid_rules(cls, value: list[str]) -> list[str]:
        from vtcode.egress.rules import EgressRules

        EgressRules(value)
        return value

    @field_validator("methods")
    @classmethod
    def _valid_methods(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        import re

        from vtcode.egress.rules import EgressRules

        for methods in value.values():
            for method in methods:
                if not re.fullmatch(r"[A-Za-z]{1,20}", method):
                    raise ValueError(f"{method!r} is not an HTTP method (GET, HEAD, CONNECT...)")
        EgressRules((), methods=value)
        return value

    @field_validator("hosts")
    @classmethod
    def _valid_hosts(cls, value: dict[str, str]) -> dict[str, str]:
        import ipaddress

        for name, address in value.items():
            ipaddress.ip_address(address)  # ValueError names the bad address
            if not name:
                raise ValueError("an empty host name")
        return value


class SandboxConfig(StrictModel):
    mode: Annotated[SandboxMode, Tighten(Rule.ORDER, ("full-access", "workspace-write", "read-only"))] = (
        "workspace-write"
    )
    backend: Annotated[str, Tighten(Rule.USER_ONLY)] = "auto"
    network: NetworkConfig = NetworkConfig()
    allow_unsandboxed: Annotated[bool, Tighten(Rule.FALSE_WINS)] = False
    read_roots: Annotated[list[str], Tighten(Rule.INTERSECT)] = []
    timeout_s: Annotated[float, Tighten(Rule.MIN), Field(gt=0, le=86_400)] = 600.0

    @model_validator(mode="before")
    @classmethod
    def _old_network_spellings(cls, value: Any) -> Any:
        """A document validated on its own (`vtcode config validate`, a constructor) reads the old
        spellings as the loader does; the loader rewrites each layer before merging (with a notice)."""
        from .network_legacy import LegacyNetworkError, upgrade_sandbox

        if not isinstance(value, dict):
            return value
        try:
            return upgrade_sandbox(value)[0]
        except LegacyNetworkError as exc:
            raise ValueError(f"{exc.key}: {exc.message}") from exc

    @property
    def uses_egress_proxy(self) -> bool:
        """The allowlist mode applies: asked for, and the network is not open anyway (full-access)."""
        return self.network.mode == "allowlist" and self.mode != "full-access"


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
    # AGENTS.md files read into the model's context as project guidance (trusted workspaces only). A
    # workspace may switch them off or lower the cap, never raise it (docs/agent.md).
    project_instructions: Annotated[bool, Tighten(Rule.FALSE_WINS)] = True
    project_instructions_max_bytes: Annotated[int, Tighten(Rule.MIN), Field(ge=0, le=1_048_576)] = 32_768


class HookCommand(StrictModel):
    """One `[hooks.commands.<name>]` table: a command run at some lifecycle events (docs/hooks.md)."""

    events: list[HookEvent] = Field(min_length=1)
    command: list[str] = Field(min_length=1, description="argv, never a shell string")
    timeout_s: float = Field(default=10.0, gt=0, le=600)
    tools: list[str] = Field(default=[], description="pre_tool/post_tool: only these tools (empty: all)")
    # Honoured only when the hook comes from the managed file: elsewhere a failing hook fails closed.
    fail_open: bool = False
    # Network for the hook's process: honoured only from the managed file (default: none).
    network: bool = False

    @field_validator("command")
    @classmethod
    def _argv(cls, value: list[str]) -> list[str]:
        if not value[0] or any("\0" in part for part in value):
            raise ValueError("the command needs a program name and no NUL characters")
        return value


class HooksConfig(StrictModel):
    """Lifecycle hooks. A workspace may add hooks (each needs `vtcode hooks approve`), never change or
    remove the user's or the administrator's; the managed file may forbid every hook it does not set."""

    commands: Annotated[dict[str, HookCommand], Tighten(Rule.ADD_KEYS, per_key=True)] = {}
    allow_non_managed: Annotated[bool, Tighten(Rule.MANAGED_ONLY)] = True

    @field_validator("commands")
    @classmethod
    def _names(cls, value: dict[str, HookCommand]) -> dict[str, HookCommand]:
        for name in value:
            if not name or not all(c.isalnum() or c in "-_" for c in name):
                raise ValueError(f"hook name {name!r}: letters, digits, '-' and '_' only")
        return value


class McpServerConfig(StrictModel):
    """One `[mcp.servers.NAME]` table: a stdio server (`command` + `args` + `env`) or an HTTP one (`url`).
    Its identity (docs/mcp.md) is what an approval and the administrator's lists name."""

    command: str | None = Field(default=None, min_length=1)
    args: list[str] = []
    # Values given here; `env_pass` names variables copied from your environment (the only way a
    # server sees any of it: nothing else of your environment reaches a stdio server).
    env: dict[str, str] = {}
    env_pass: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]] = []
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    # The bearer token for `url`, like a provider's API key: this environment variable, else this name
    # in the user's secrets.toml. Never a value in a config file.
    bearer_token_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    bearer_token_secret: str | None = Field(default=None, min_length=1)
    # A launcher's package: "npm:@scope/name@1.2.3" or "pypi:name==1.2.3", an exact version (identity).
    package: str | None = Field(default=None, pattern=r"^(npm:.+@[^@\s]+|pypi:[^=\s]+==[^=\s]+)$")
    enabled: bool = True
    # Tool annotations (readOnlyHint...) come from the server: believed only when you say so here.
    trust_annotations: bool = False
    write: bool = Field(default=False, description="a stdio server may write the workspace")
    # A stdio server's network: false (none), a list of host rules reached only through vtcode's egress
    # proxy (["registry.npmjs.org", "*.example.com:443"]; each connection a `network.request` event naming
    # the server), or "full" (the host's whole network, unaudited: for protocols a proxy cannot carry).
    # `true` is refused: it once meant the whole network, and now must say which (decision 2302).
    network: bool | Literal["full"] | list[str] = Field(
        default=False, description="a stdio server's network: false, [hosts] through the proxy, or 'full'"
    )
    # Directories outside the workspace a stdio server may read (its own files are added by itself).
    read_roots: list[str] = []
    startup_timeout_s: float = Field(default=30.0, gt=0, le=600)
    call_timeout_s: float = Field(default=120.0, gt=0, le=3600)
    max_restarts: int = Field(default=2, ge=0, le=20)

    @field_validator("network")
    @classmethod
    def _explicit_network(cls, value: bool | str | list[str]) -> bool | str | list[str]:
        if value is True:
            raise ValueError(
                'network = true is ambiguous: name the hosts the server may reach through the egress proxy '
                '(network = ["registry.npmjs.org"]) or give it the whole network (network = "full")'
            )
        if isinstance(value, list):
            from vtcode.egress.rules import EgressRules

            EgressRules(value)  # ValueError names the bad rule
        return value

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of command (a stdio server) or url (an HTTP server)")
        return self


class McpConfig(StrictModel):
    """MCP servers (plugins/vtcode_mcp). Servers come from the user's and the managed file only: a
    workspace proposes servers in `.vtcode/mcp.toml`, which start only once approved by identity."""

    servers: Annotated[dict[str, McpServerConfig], Tighten(Rule.USER_ONLY, per_key=True)] = {}
    max_result_bytes: Annotated[int, Tighten(Rule.MIN), Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    # A workspace's proposals are considered at all (still each needs an approval).
    workspace_servers: Annotated[bool, Tighten(Rule.FALSE_WINS)] = True
    # The administrator's lists of server identities ("sha256:..."), and whether the list is locked:
    # locked, only the managed file's servers run, and nothing a user or workspace adds.
    allow: Annotated[list[str], Tighten(Rule.MANAGED_ONLY)] = []
    deny: Annotated[list[str], Tighten(Rule.MANAGED_ONLY)] = []
    locked: Annotated[bool, Tighten(Rule.MANAGED_ONLY)] = False


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
    hooks: HooksConfig = HooksConfig()
    mcp: McpConfig = McpConfig()


class ManagedConfig(VtcodeConfig):
    """The enterprise file: vtcode.toml's keys plus `locked`, the dotted keys no other layer may change."""

    locked: list[str] = []

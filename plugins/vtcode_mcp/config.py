"""The plugin's own view of its `[mcp]` table, which reaches it through the hooks (`ToolSourceSetup.settings`
in a session, `CommandContext.source_setup("mcp")` in `vtcode mcp ...`), never by importing the core's config.

The plugin declares these models to the core (`config_sections`, in __init__.py): the core's loader
validates `[mcp]` with them in every layer (a bad key is one line naming the file and key, exit 2, before
any session or command starts) and merges the layers by their `Tighten` markers; the plugin re-checks the
merged table it is handed with the same models.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from vtcode.api import EgressRules, Rule, Tighten


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


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
            EgressRules(value)  # as the proxy will read them: a ValueError names the bad rule
        return value

    @model_validator(mode="after")
    def _one_transport(self) -> McpServerConfig:
        if (self.command is None) == (self.url is None):
            raise ValueError("give exactly one of command (a stdio server) or url (an HTTP server)")
        return self


class McpConfig(StrictModel):
    """MCP servers. Servers come from the user's and the managed file only: a workspace proposes servers in
    `.vtcode/mcp.toml`, which start only once approved by identity. (The markers say which layer may set
    which key; the core's loader applies them while merging the layers.)"""

    servers: Annotated[dict[str, McpServerConfig], Tighten(Rule.USER_ONLY, per_key=True)] = {}
    max_result_bytes: Annotated[int, Tighten(Rule.MIN), Field(ge=1024, le=16 * 1024 * 1024)] = 64 * 1024
    # A workspace's proposals are considered at all (still each needs an approval).
    workspace_servers: Annotated[bool, Tighten(Rule.FALSE_WINS)] = True
    # The administrator's lists of server identities ("sha256:..."), and whether the list is locked:
    # locked, only the managed file's servers run, and nothing a user or workspace adds.
    allow: Annotated[list[str], Tighten(Rule.MANAGED_ONLY)] = []
    deny: Annotated[list[str], Tighten(Rule.MANAGED_ONLY)] = []
    locked: Annotated[bool, Tighten(Rule.MANAGED_ONLY)] = False

"""What a tool source with servers behind it (MCP) shows a person: each server, its state and identity,
what it offers, and approving or revoking a server the workspace proposes. Optional: the TUI's servers
screen asks a tool source for this face only when it has it (`isinstance(source, ServerReport)`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field


class SourceOffer(BaseModel):
    """One thing a server offers: a tool (named as the agent calls it, `mcp.<server>.<tool>`), a prompt
    or a resource. `description` is the server's own text: untrusted, neutralised before it is shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["tool", "prompt", "resource"]
    name: str
    description: str = ""


class SourceServer(BaseModel):
    """One configured or proposed server. `state`: running states of the source ("ready", "starting",
    "restarting", "unavailable", ...), or "refused" / "needs approval" when it was never started, with
    `reason` saying why. `identity` is the digest an approval records, `what` its readable form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    origin: str  # "managed", "user" or "workspace"
    state: str
    reason: str = ""
    identity: str | None = None
    what: str | None = None
    approvable: bool = False  # a workspace's proposal the person may approve (as it is now)
    approved: bool = False  # the person approved it (revocable from the screen)
    offers: list[SourceOffer] = Field(default_factory=list)


@runtime_checkable
class ServerReport(Protocol):
    """The optional face of a `ToolSource` with servers. `servers` may ask the running servers (prompts,
    resources) and waits at most `timeout` seconds for each; call it off the UI thread. `approve` records
    the person's approval of the proposal `server` only if its identity is still `identity` (the one they
    were shown); `revoke` withdraws it and stops the server. Both return one line for the person, or raise
    `ValueError` with the reason."""

    def servers(self, timeout: float) -> Sequence[SourceServer]: ...

    def approve(self, server: str, identity: str) -> str: ...

    def revoke(self, server: str) -> str: ...

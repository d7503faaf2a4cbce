"""What a tool is: a name, a pydantic model for its arguments, a risk class and `invoke`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ._sandboxes import CommandSandbox

if TYPE_CHECKING:
    from ._payloads import Payload


class RiskClass(StrEnum):
    """How much harm a call can do; the default tool policy is derived from it."""

    READ = "read"
    WRITE = "write"
    EXECUTE = "execute"
    NETWORK = "network"


# Mark path arguments so the core checks them against the workspace jail before the tool runs:
#     path: ReadPath            (read)      target: WritePath     (written: never a protected path)
ReadPath = Annotated[str, Field(min_length=1, json_schema_extra={"x-vtcode-path": "read"})]
WritePath = Annotated[str, Field(min_length=1, json_schema_extra={"x-vtcode-path": "write"})]


class CommandArgs(BaseModel):
    """Base for the arguments of a tool that runs a command. The core judges `command` with the command
    policy (a string is a shell string, parsed; a list is an argv, not parsed) and `cwd` as a workspace path,
    so a tool cannot run anything the policy has not seen. Subclasses add their own fields."""

    model_config = ConfigDict(extra="forbid")

    command: str | list[str] = Field(min_length=1)
    cwd: str = "."


class ToolResult(BaseModel):
    """What goes back to the model. `truncated_bytes` says how much output was cut, so the model knows."""

    model_config = ConfigDict(extra="forbid")

    ok: bool
    output: str
    truncated_bytes: int = 0
    data: dict[str, Any] = Field(default_factory=dict)


@runtime_checkable
class ToolContext(Protocol):
    """What the core lends a tool for one call: the workspace jail, events and limits.

    A tool must reach the file system only through `resolve` and processes only through `spawn`.
    """

    @property
    def workspace(self) -> Path: ...

    def resolve(self, path: str, *, write: bool = False) -> Path: ...

    def read_bytes(self, path: str, *, limit: int | None = None) -> bytes: ...

    def write_bytes(self, path: str, data: bytes) -> Path: ...

    def emit(self, type: str, payload: dict[str, Any]) -> None:
        """An event of the tool's own type (dotted lowercase); a type of `vtcode.exec-events/1` is
        checked against its payload model. For those, build the model and `record` it."""
        ...

    def record(self, payload: Payload) -> None:
        """An event built from its payload model (`CommandStarted(...)`): the type is the model's."""
        ...

    @property
    def sandbox(self) -> CommandSandbox:
        """The sandbox every process of this call runs in; raises if the core configured none."""
        ...


@runtime_checkable
class Tool(Protocol):
    """A callable capability offered to the model."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def args_model(self) -> type[BaseModel]: ...

    @property
    def risk(self) -> RiskClass: ...

    def invoke(self, ctx: ToolContext, args: Any) -> ToolResult: ...


class ToolSourceSetup(BaseModel):
    """What the core hands a tool source when a session opens: where, whether the workspace is trusted,
    the source's own configuration table (`[<source name>]` of the layered config; the source validates
    it) and which layer set each of its keys (`layers`: "managed", "user", ...)."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    workspace: str
    trusted: bool
    settings: dict[str, Any] = Field(default_factory=dict)
    layers: dict[str, str] = Field(default_factory=dict)  # which config layer set each dotted key


@runtime_checkable
class ToolSource(Protocol):
    """Tools that appear while a session runs (MCP servers): registered through `register_tools` like a
    tool. Every tool it offers is named `<source name>.<...>` and goes through the same runner as any
    other: arguments validated, policy decided, approval asked, audited.

    `open` must not block: it starts whatever the source needs in the background. `tools()` is asked
    before every model request and every call; `close` stops everything `open` started."""

    @property
    def name(self) -> str: ...

    def open(
        self,
        setup: ToolSourceSetup,
        sandbox: CommandSandbox | None,
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None: ...

    def tools(self) -> Sequence[Tool]: ...

    def close(self) -> None: ...

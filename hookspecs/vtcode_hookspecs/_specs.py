"""The hooks. Each family is one `register_*(register)` hook, so a newcomer learns the contract at a glance.

`register` stamps every object with the plugin that registered it; names are unique per family.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from ._decisions import ActionRequest, Decision
from ._indexers import Indexer
from ._lifecycle import HookAnswer, LifecycleEvent
from ._markers import hookspec
from ._providers import Provider
from ._sandboxes import SandboxBackend
from ._sinks import EventSink
from ._storage import SessionStore
from ._tools import Tool


@hookspec
def register_providers(register: Callable[[Provider], None]) -> None:
    """Register LLM providers: `register(provider)` for each."""


@hookspec
def register_tools(register: Callable[[Tool], None]) -> None:
    """Register tools offered to the model: `register(tool)` for each."""


@hookspec
def register_indexers(register: Callable[[Indexer], None]) -> None:
    """Register code indexers: `register(indexer)` for each."""


@hookspec
def register_storage(register: Callable[[SessionStore], None]) -> None:
    """Register session stores: `register(store)` for each."""


@hookspec
def register_sandboxes(register: Callable[[SandboxBackend], None]) -> None:
    """Register sandbox backends: `register(backend)` for each."""


@hookspec
def register_event_sinks(register: Callable[[EventSink], None]) -> None:
    """Register event sinks: `register(sink)` for each."""


@hookspec
def register_commands(register: Callable[[Any], None]) -> None:
    """Register CLI subcommands: `register(click_command)` for each (a `click.Command`)."""


@hookspec
def config_sections() -> dict[str, type[BaseModel]] | None:
    """Declare the plugin's own tables of vtcode.toml: `{"mcp": McpConfig}` for `[mcp]`.

    The core's loader validates each table with its model in every layer, with the same one-line errors
    naming the file and key as its own tables (exit 2), merges the layers by the model's `Tighten` markers
    (`vtcode.api.Tighten`: which layer may set which key), and hands the plugin the merged table (e.g.
    `ToolSourceSetup.settings`). A name the core uses, or that another plugin declared, is refused.
    Called only for signed-off plugins, and only when a configuration has a table the core does not know.
    """


@hookspec
def review_action(action: ActionRequest, decision: Decision) -> Decision | None:
    """Review a decision the policy engine made; return a stricter Decision, or None to leave it.

    The core keeps the strictest of all answers, so a review can only tighten.
    """


@hookspec
def lifecycle_hook(event: LifecycleEvent) -> HookAnswer | None:
    """React to a moment of the session (see LifecycleEvent); return an answer, or None to add nothing.

    An answer can only tighten: the core re-decides after every hook and keeps the strictest result.
    """


# Which family each hook belongs to: approvals and pins name families, not hooks.
HOOK_FAMILIES: dict[str, str] = {
    "register_providers": "providers",
    "register_tools": "tools",
    "register_indexers": "indexers",
    "register_storage": "storage",
    "register_sandboxes": "sandboxes",
    "register_event_sinks": "event_sinks",
    "register_commands": "commands",
    "config_sections": "config",
    "review_action": "review",
    "lifecycle_hook": "lifecycle",
}

FAMILIES: tuple[str, ...] = tuple(sorted(set(HOOK_FAMILIES.values())))

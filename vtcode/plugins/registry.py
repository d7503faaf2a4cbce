"""Per-family registries of what plugins registered, each entry stamped with its owning plugin.

Names are unique per family: a second plugin registering a taken name is an error naming both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from vtcode_hookspecs import EventSink, Indexer, Provider, SandboxBackend, SessionStore, Tool, ToolSource

T = TypeVar("T")

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


class RegistrationError(Exception):
    """A plugin handed the core something unusable; the whole plugin is rolled back and blocked."""


@dataclass(frozen=True)
class Registered(Generic[T]):
    obj: T
    name: str
    plugin: str
    distribution: str


class Registry(Generic[T]):
    def __init__(self, family: str, noun: str, check: Callable[[Any], str | None]) -> None:
        self.family = family
        self.noun = noun
        self._check = check
        self._items: dict[str, Registered[T]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[Registered[T]]:
        return iter(sorted(self._items.values(), key=lambda r: r.name))

    def __len__(self) -> int:
        return len(self._items)

    def get(self, name: str) -> Registered[T] | None:
        return self._items.get(name)

    def names(self) -> list[str]:
        return sorted(self._items)

    def validate(self, obj: Any, plugin: str) -> str:
        problem = self._check(obj)
        if problem:
            raise RegistrationError(f"plugin {plugin!r} registered an unusable {self.noun}: {problem}")
        name = obj.name
        taken = self._items.get(name)
        if taken is not None:
            raise RegistrationError(
                f"{self.noun} {name!r} from plugin {plugin!r} clashes with the one from plugin "
                f"{taken.plugin!r} ({taken.distribution}); disable one or use plugins.replace"
            )
        return str(name)

    def add(self, entry: Registered[T]) -> None:
        self._items[entry.name] = entry

    def remove_plugin(self, plugin: str) -> None:
        for name in [n for n, r in self._items.items() if r.plugin == plugin]:
            del self._items[name]


def _named(protocol: type) -> Callable[[Any], str | None]:
    def check(obj: Any) -> str | None:
        name = getattr(obj, "name", None)
        if not isinstance(name, str) or not _NAME.match(name):
            return f"name {name!r} must match {_NAME.pattern}"
        if not isinstance(obj, protocol):
            return f"{type(obj).__name__} does not implement {protocol.__name__}"
        return None

    return check


def _tool_check(obj: Any) -> str | None:
    problem = _named(Tool)(obj)
    if problem:
        return problem
    args_model = obj.args_model
    if not (isinstance(args_model, type) and issubclass(args_model, BaseModel)):
        return f"tool {obj.name!r}: args_model must be a pydantic model class"
    return None


def _source_check(obj: Any) -> str | None:
    problem = _named(ToolSource)(obj)
    if problem:
        return problem
    if "." in obj.name:
        return f"tool source {obj.name!r}: its name is the prefix of its tools, without a dot"
    return None


def is_tool_source(obj: Any) -> bool:
    """A `register_tools` object that offers tools (an MCP client) rather than being one."""
    return isinstance(obj, ToolSource) and not isinstance(obj, Tool)


def _command_check(obj: Any) -> str | None:
    name = getattr(obj, "name", None)
    if not isinstance(name, str) or not _NAME.match(name) or not callable(obj):
        return f"{obj!r} is not a named click command"
    return None


class Registries:
    """One registry per family that registers objects (review_action is a plain hook, not a registry)."""

    def __init__(self) -> None:
        self.providers: Registry[Provider] = Registry("providers", "provider", _named(Provider))
        self.tools: Registry[Tool] = Registry("tools", "tool", _tool_check)
        # Registered through register_tools too: sources of tools that appear while a session runs.
        self.tool_sources: Registry[ToolSource] = Registry("tools", "tool source", _source_check)
        self.indexers: Registry[Indexer] = Registry("indexers", "indexer", _named(Indexer))
        self.storage: Registry[SessionStore] = Registry("storage", "session store", _named(SessionStore))
        self.sandboxes: Registry[SandboxBackend] = Registry(
            "sandboxes", "sandbox backend", _named(SandboxBackend)
        )
        self.event_sinks: Registry[EventSink] = Registry("event_sinks", "event sink", _named(EventSink))
        self.commands: Registry[Any] = Registry("commands", "command", _command_check)

    def by_hook(self) -> dict[str, Registry[Any]]:
        return {
            "register_providers": self.providers,
            "register_tools": self.tools,
            "register_indexers": self.indexers,
            "register_storage": self.storage,
            "register_sandboxes": self.sandboxes,
            "register_event_sinks": self.event_sinks,
            "register_commands": self.commands,
        }

    def remove_plugin(self, plugin: str) -> None:
        for registry in self.by_hook().values():
            registry.remove_plugin(plugin)
        self.tool_sources.remove_plugin(plugin)

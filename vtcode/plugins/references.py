"""Names in the configuration that must be registered by a signed-off plugin: checked once the plugins are
loaded, before anything uses them, so a typo is a one-line error naming the key instead of a traceback
later (an unknown provider) or a rule that silently never applies (a tool policy for a misspelt tool).

Checked: every `providers.chain` entry and `[providers.<name>] provider` (a registered provider, or a
table that names one), every `tools.policies` key (a registered tool), `sandbox.backend` ("auto" or a
registered backend) and every `[events.sinks.<name>]` (a registered sink). Not checked, on purpose:
`plugins.disabled` and `plugins.replace` (disabling a plugin that is not installed here is how a fleet
file guards against it), and tool-policy.json (the Rust vtcode's file names its own tools too).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vtcode.config.locate import toml_key_line
from vtcode.config.models import VtcodeConfig
from vtcode.errors import ConfigError

if TYPE_CHECKING:
    from vtcode.config.layers import EffectiveConfig

    from .registry import Registries



@dataclass(frozen=True)
class Unregistered:
    key: str  # the dotted key holding the name, e.g. providers.chain or tools.policies.run_comand
    message: str
    path: tuple[str, ...]  # the key's parts, to find its line in a file


def unregistered(config: VtcodeConfig, registries: Registries) -> list[Unregistered]:
    found: list[Unregistered] = []
    providers = registries.providers.names()
    tables = config.providers.entries()
    for index, name in enumerate(config.providers.chain):
        table = tables.get(name)
        wanted = table.provider if table is not None and table.provider else name
        if wanted not in providers:
            via = f" (its table names {wanted!r})" if wanted != name else ""
            found.append(
                Unregistered(
                    "providers.chain",
                    f"{name!r}{via}: no provider of that name is registered (registered: "
                    f"{_names(providers)}); for another OpenAI-compatible server add [providers.{name}] "
                    'with provider = "openai-compat" and base_url',
                    ("providers", "chain", str(index)),
                )
            )
    for name, table in tables.items():
        if table.provider and table.provider not in providers and name not in config.providers.chain:
            found.append(
                Unregistered(
                    f"providers.{name}.provider",
                    f"{table.provider!r}: no provider of that name is registered (registered: "
                    f"{_names(providers)})",
                    ("providers", name, "provider"),
                )
            )
    tools = registries.tools.names()
    sources = registries.tool_sources.names()
    for tool in config.tools.policies:
        # `mcp.fs.read_file`, `mcp.fs.*`: tools a source offers only once the session runs.
        if tool not in tools and tool.split(".", 1)[0] not in sources:
            found.append(
                Unregistered(
                    f"tools.policies.{tool}",
                    f"no tool {tool!r} is registered (registered: {_names(tools)}); a policy for it would "
                    "never apply",
                    ("tools", "policies", tool),
                )
            )
    backends = registries.sandboxes.names()
    if config.sandbox.backend != "auto" and config.sandbox.backend not in backends:
        found.append(
            Unregistered(
                "sandbox.backend",
                f"{config.sandbox.backend!r}: no sandbox backend of that name is registered (registered: "
                f"auto, {_names(backends)})",
                ("sandbox", "backend"),
            )
        )
    sinks = registries.event_sinks.names()
    for sink in config.events.sinks:
        if sink not in sinks:
            found.append(
                Unregistered(
                    f"events.sinks.{sink}",
                    f"no event sink {sink!r} is registered (registered: {_names(sinks)})",
                    ("events", "sinks", sink),
                )
            )
    return found


def _names(names: list[str]) -> str:
    return ", ".join(sorted(names)) or "none"


BUILT_IN_LAYERS = ("default", "builtin")  # vtcode's own: a name there may be of a plugin you disabled


def source_of(effective: EffectiveConfig, item: Unregistered) -> str:
    """The layer that set the key (its nearest enclosing key's, for a table entry)."""
    source = ""
    key = item.key
    while key and not source:
        source = effective.sources.get(key, "")
        key = key.rpartition(".")[0]
    return source.removesuffix(" (locked)")


def located(effective: EffectiveConfig, item: Unregistered) -> ConfigError:
    """The error for `item`, naming the layer's file (and line) that set the key."""
    source = source_of(effective, item)
    layer = next((layer for layer in effective.layers if layer.name == source), None)
    if layer is None or layer.path is None:
        return ConfigError(source or "configuration", item.message, key=item.key)
    line = None
    with contextlib.suppress(OSError, UnicodeDecodeError):
        line = toml_key_line(Path(layer.path).read_text(encoding="utf-8"), item.path)
    return ConfigError(layer.path, item.message, key=item.key, line=line)


def check_references(effective: EffectiveConfig, registries: Registries) -> None:
    """Raise a ConfigError for the first unregistered name a configuration file or option set (and say
    how many more there are). vtcode's own defaults are exempt: disabling the plugin that registers
    `read_file` must not make every command fail on the default `tools.policies.read_file`."""
    found = [
        item
        for item in unregistered(effective.config, registries)
        if source_of(effective, item) not in BUILT_IN_LAYERS
        # A sink no plugin registers is recorded as an `error` event when sinks attach and the session
        # goes on with the others (configured_sinks.py); `config validate` still reports it.
        and not item.key.startswith("events.sinks.")
    ]
    if not found:
        return
    error = located(effective, found[0])
    if len(found) > 1:
        more = len(found) - 1
        error = ConfigError(
            error.file,
            f"{error.detail} (+{more} more: `vtcode config validate FILE` lists every one)",
            key=error.key,
            line=error.line,
        )
    raise error

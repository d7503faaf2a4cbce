"""Assemble what a command needs: the effective configuration, the event bus and the signed-off plugins."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from vtcode_hookspecs import ConfigLoaded, ConfigNotice, Error, WorkspaceTrust

from .config import EffectiveConfig, load_config
from .configured_sinks import attach_configured, session_info
from .errors import ConfigError
from .events import EventBus
from .plugins import PluginHost, load_plugins
from .plugins.config_sections import plugin_sections
from .plugins.references import check_references


@dataclass
class Runtime:
    config: EffectiveConfig
    bus: EventBus
    plugins: PluginHost


def open_runtime(
    workspace: Path,
    *,
    config_files: Sequence[Path] = (),
    overrides: Sequence[str] = (),
    attach_sinks: bool = True,
    check_names: bool = True,
) -> Runtime:
    """Configured names (providers, tools, sandbox backend) must be registered by a signed-off plugin
    (plugins/references.py). `check_names=False` is for what only inspects plugins (`plugins list`,
    `lock`, `verify`, the lookup of plugin commands: how a person finds out why a name is not
    registered) and for a caller that registers objects itself after this returns (a benchmark)."""
    if attach_sinks:
        # A session that acts refuses to start after Python ran an unapproved `.pth` (vtcode/plugins/pth.py).
        from .plugins.pth import refuse_unapproved, scan

        refuse_unapproved(scan())
    config = load_config(workspace, config_files=config_files, overrides=overrides, sections=plugin_sections)
    # A session that will act (sinks attached) refuses security events it cannot audit: fail closed.
    bus = EventBus(
        require_audit=attach_sinks and config.config.audit.enabled, queue_limit=config.config.events.queue
    )
    if attach_sinks:
        bus.start(session_info(workspace))
    bus.record(
        ConfigLoaded(
            digest=config_digest(config),
            layers=[layer.name for layer in config.layers if layer.applied],
            notices=config.notices,
        )
    )
    bus.record(WorkspaceTrust(root=str(workspace), trusted=config.trust.trusted, reason=config.trust.reason))
    for notice in config.notices:  # a setting that was ignored, said once per session (stderr, TUI, log)
        bus.record(ConfigNotice(message=notice))
    host = load_plugins(config.config.plugins, bus)
    try:
        if check_names:
            check_references(config, host.registries)  # a misspelt provider or tool: one line, exit 2
    except ConfigError as exc:
        bus.record(Error(message=str(exc)))
        bus.close("error")
        raise
    if attach_sinks:
        attach_configured(bus, (entry.obj for entry in host.registries.event_sinks), config.config)
    return Runtime(config, bus, host)


def config_digest(config: EffectiveConfig) -> str:
    """A digest of the effective policy, so an audit can tell which rules were in force."""
    document = {
        "config": config.config.model_dump(mode="json"),
        "tool_policy": config.tool_policy.model_dump(mode="json"),
    }
    return "sha256:" + hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()

"""Build the policy for a workspace: layered config, the jail (whose home is the user's), and the
review_action plugins. Only reviewer plugins are loaded, so a check stays cheap enough for git hooks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vtcode_hookspecs import RiskClass

from vtcode.config import EffectiveConfig, load_config
from vtcode.workspace import Jail, resolve_root

from .engine import PolicyEngine

if TYPE_CHECKING:
    from vtcode.events import EventBus


@dataclass
class PolicySetup:
    config: EffectiveConfig
    jail: Jail
    engine: PolicyEngine
    reviewers: tuple[str, ...]


def open_policy(
    workspace: Path | str | None,
    *,
    config_files: Sequence[Path] = (),
    overrides: Sequence[str] = (),
    bus: EventBus | None = None,
    reviewers: bool = True,
    risk_of: Callable[[str], RiskClass | None] | None = None,
) -> PolicySetup:
    root = resolve_root(workspace)
    from vtcode.plugins.config_sections import plugin_sections

    config = load_config(root, config_files=config_files, overrides=overrides, sections=plugin_sections)
    jail = Jail(root)
    names: tuple[str, ...] = ()
    reviewer = None
    if reviewers:
        from vtcode.events import EventBus
        from vtcode.plugins import load_plugins

        host = load_plugins(config.config.plugins, bus or EventBus(), families=frozenset({"review"}))
        names = tuple(r.name for r in host.records if host.pm.get_plugin(r.name) is not None)
        if names:
            reviewer = host.review
    engine = PolicyEngine(config, jail, reviewer=reviewer, risk_of=risk_of or (lambda _: None))
    return PolicySetup(config, jail, engine, names)

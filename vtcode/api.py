"""The declared `vtcode` API: the only part of `vtcode` a plugin may import (beside the contract,
`vtcode_hookspecs`).

A plugin, built-in or third-party, imports the hooks, the `hookimpl` marker and the models it exchanges with
the core from `vtcode_hookspecs`, and the runtime helpers below from here, nothing else of `vtcode`
(tests/core/test_plugin_api.py fails the build when a built-in plugin does). Everything else in `vtcode` may
change between releases; these names follow `API_VERSION`, which is the contract's version: a minor version
adds names, a major version removes or changes one.

    from vtcode.api import Jail, PathDenied, list_workspace

| group | names |
|---|---|
| config | `Tighten`, `Rule`: in the model a plugin declares for its own table (`config_sections`), |
|   | which layer may set a key (`Tighten(Rule.USER_ONLY)`, `Rule.MANAGED_ONLY`, `Rule.MIN`...) |
| errors | `VtcodeError` (exit 2, one line), `WorkspaceError`, `PathDenied` (jail refused), `ConfigError`,
  `InvariantError` (a bug: a state the code must never reach) |
| workspace | `Jail` (every path a tool or command touches), `list_workspace`/`ListedFile`, `resolve_root` |
| files | `write_atomic`, `write_text_atomic` (temp file, fsync, rename), `private_dir` (0700) |
| user dirs | `user_config_dir`, `user_cache_dir`, `user_data_dir` (honour VTCODE_*_DIR and XDG) |
| events | `describe` (one line per event for people), `action_text` |
| output | `say`, `say_json` (neutralised CLI output), `neutral`, `neutral_json_line`, `terminal_gate` |
| commands | `reports_errors` (a plugin command's VtcodeError -> one line on stderr, its exit code), |
|   | `workspace_options`/`CommandContext` (--workspace, --config, -c as one object; its `source_setup`, |
|   | `open_session`, `audit_trail` -> `CommandAudit`: record events of the command in the audit trail) |
| approvals | `os_identity` (user, uid, tty, pid of the person running vtcode: an approval's `who`) |
| network | `EgressRules` (the egress proxy's host rules: a plugin checks a grant as the proxy reads it) |
| secrets | `resolve_secret` (an environment variable, else the user's private secrets.toml) |
| shell | `session_variables` (what a send to a persistent shell sets for the sends after it) |
| sandbox | `host_git_paths`, `MACOS_SYSTEM_CONFIGS` (the user's git config), `linked_from_stores` (secrets |
|   | behind links in credential stores): what every backend must protect, found one way |
| sandboxes | `scrub_env`, `is_sensitive` (one environment scrub for every sandbox backend) |
| wire | `OpenAIWire`, `StreamAssembler`, `request_body`, `reply_cap`, `one_line`, `http_error`, ... |

Importing this module costs nothing and does nothing: each name is imported on first use (PEP 562), so a
plugin that needs `Jail` does not pay for the HTTP client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers; the same names, module by module, as _WHERE below
    from vtcode_hookspecs import API_VERSION as API_VERSION

    from vtcode.approvals.broker import os_identity as os_identity
    from vtcode.atomic import write_atomic as write_atomic
    from vtcode.atomic import write_text_atomic as write_text_atomic
    from vtcode.command_context import CommandAudit as CommandAudit
    from vtcode.command_context import CommandContext as CommandContext
    from vtcode.command_context import workspace_options as workspace_options
    from vtcode.config.tighten import Rule as Rule
    from vtcode.config.tighten import Tighten as Tighten
    from vtcode.egress.rules import EgressRules as EgressRules
    from vtcode.errors import ConfigError as ConfigError
    from vtcode.errors import InvariantError as InvariantError
    from vtcode.errors import PathDenied as PathDenied
    from vtcode.errors import VtcodeError as VtcodeError
    from vtcode.errors import WorkspaceError as WorkspaceError
    from vtcode.events.describe import action_text as action_text
    from vtcode.events.describe import describe as describe
    from vtcode.paths import private_dir as private_dir
    from vtcode.paths import user_cache_dir as user_cache_dir
    from vtcode.paths import user_config_dir as user_config_dir
    from vtcode.paths import user_data_dir as user_data_dir
    from vtcode.policy.session_state import session_variables as session_variables
    from vtcode.providers.secrets import resolve_secret as resolve_secret
    from vtcode.providers.wire import OpenAIWire as OpenAIWire
    from vtcode.providers.wire import StreamAssembler as StreamAssembler
    from vtcode.providers.wire import http_error as http_error
    from vtcode.providers.wire import iter_sse_data as iter_sse_data
    from vtcode.providers.wire import one_line as one_line
    from vtcode.providers.wire import reply_cap as reply_cap
    from vtcode.providers.wire import request_body as request_body
    from vtcode.providers.wire import transport_error as transport_error
    from vtcode.reporting import reports_errors as reports_errors
    from vtcode.sandbox.envscrub import is_sensitive as is_sensitive
    from vtcode.sandbox.envscrub import scrub_env as scrub_env
    from vtcode.sandbox.hostgit import MACOS_SYSTEM_CONFIGS as MACOS_SYSTEM_CONFIGS
    from vtcode.sandbox.hostgit import host_git_paths as host_git_paths
    from vtcode.sandbox.storelinks import linked_from_stores as linked_from_stores
    from vtcode.terminal import neutral as neutral
    from vtcode.terminal import neutral_json_line as neutral_json_line
    from vtcode.terminal import terminal_gate as terminal_gate
    from vtcode.terminal.echo import say as say
    from vtcode.terminal.echo import say_json as say_json
    from vtcode.workspace.jail import Jail as Jail
    from vtcode.workspace.listing import ListedFile as ListedFile
    from vtcode.workspace.listing import Listing as Listing
    from vtcode.workspace.listing import list_workspace as list_workspace
    from vtcode.workspace.root import resolve_root as resolve_root

# module -> the names this API takes from it (tests/core/test_plugin_api.py checks the block above agrees)
_FROM: dict[str, tuple[str, ...]] = {
    "vtcode_hookspecs": ("API_VERSION",),
    "vtcode.approvals.broker": ("os_identity",),
    "vtcode.atomic": ("write_atomic", "write_text_atomic"),
    "vtcode.command_context": ("CommandAudit", "CommandContext", "workspace_options"),
    "vtcode.config.tighten": ("Rule", "Tighten"),
    "vtcode.egress.rules": ("EgressRules",),
    "vtcode.errors": ("ConfigError", "InvariantError", "PathDenied", "VtcodeError", "WorkspaceError"),
    "vtcode.events.describe": ("action_text", "describe"),
    "vtcode.paths": ("private_dir", "user_cache_dir", "user_config_dir", "user_data_dir"),
    "vtcode.policy.session_state": ("session_variables",),
    "vtcode.providers.secrets": ("resolve_secret",),
    "vtcode.providers.wire": (
        "OpenAIWire",
        "StreamAssembler",
        "http_error",
        "iter_sse_data",
        "one_line",
        "reply_cap",
        "request_body",
        "transport_error",
    ),
    "vtcode.reporting": ("reports_errors",),
    "vtcode.sandbox.hostgit": ("MACOS_SYSTEM_CONFIGS", "host_git_paths"),
    "vtcode.sandbox.storelinks": ("linked_from_stores",),
    "vtcode.sandbox.envscrub": ("is_sensitive", "scrub_env"),
    "vtcode.terminal": ("neutral", "neutral_json_line", "terminal_gate"),
    "vtcode.terminal.echo": ("say", "say_json"),
    "vtcode.workspace.jail": ("Jail",),
    "vtcode.workspace.listing": ("ListedFile", "Listing", "list_workspace"),
    "vtcode.workspace.root": ("resolve_root",),
}
_WHERE: dict[str, str] = {name: module for module, names in _FROM.items() for name in names}

__all__ = sorted(_WHERE)  # built from _FROM, so the names are listed once


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'vtcode.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))

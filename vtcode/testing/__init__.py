"""Testing helpers for vtcode plugin authors (stable API; see docs/plugins/author-guide.md).

Factories, usable from any test framework:

- `plugin_host(*plugins, families=None)`: your plugin objects through the gate's registration checks;
- `installed_host(*approve)`: installed entry points through the whole gate, with test-only approvals;
- `tool_runner(host, workspace, approver=ScriptedApprover([...]))`: one tool call end to end;
- `ScriptedModel([tool_call_turn(...), answer_turn(...)])`: a provider that replays turns;
- `trusted_workspace(root)`, `isolate_user_dirs(home, setenv)`: never the developer's own files.

pytest fixtures (`vtcode_home` autouse, `vtcode_workspace`, `vtcode_host`, `vtcode_installed_host`,
`vtcode_runner`, `scripted_model`): add `pytest_plugins = ["vtcode.testing"]` to your tests/conftest.py.
"""

from __future__ import annotations

from .approver import ScriptedApprover
from .fixtures import (
    scripted_model,
    vtcode_home,
    vtcode_host,
    vtcode_installed_host,
    vtcode_runner,
    vtcode_workspace,
)
from .hosts import TEST_APPROVER, approvals_for, implemented_families, installed_host, plugin_host
from .provider import SCRIPTED_MODEL, ScriptedModel, answer_turn, tool_call_turn
from .runner import tool_runner
from .workspace import (
    isolate_user_dirs,
    trusted_workspace,
    user_dir_environment,
    write_managed_config,
    write_user_config,
)

__all__ = [
    "SCRIPTED_MODEL",
    "TEST_APPROVER",
    "ScriptedApprover",
    "ScriptedModel",
    "answer_turn",
    "approvals_for",
    "implemented_families",
    "installed_host",
    "isolate_user_dirs",
    "plugin_host",
    "scripted_model",
    "tool_call_turn",
    "tool_runner",
    "trusted_workspace",
    "user_dir_environment",
    "vtcode_home",
    "vtcode_host",
    "vtcode_installed_host",
    "vtcode_runner",
    "vtcode_workspace",
    "write_managed_config",
    "write_user_config",
]

"""pytest fixtures over the factories. Enable them in a plugin's tests with, in `tests/conftest.py`:

    pytest_plugins = ["vtcode.testing"]

They are not registered through a `pytest11` entry point on purpose: that would load them into every
pytest run of every project that has vtcode installed, vtcode's own suite included.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from vtcode.plugins import PluginHost
from vtcode.tools import ToolRunner

from .hosts import installed_host, plugin_host
from .provider import ScriptedModel
from .workspace import isolate_user_dirs, trusted_workspace


@pytest.fixture(autouse=True)
def vtcode_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own vtcode user dirs (approvals, trust key, caches, audit logs) and no
    managed or system file of the developer's: autouse, so no test can touch the real ones by accident."""
    return isolate_user_dirs(tmp_path_factory.mktemp("vtcode-home"), monkeypatch.setenv)


@pytest.fixture
def vtcode_workspace(vtcode_home: Path, tmp_path: Path) -> Path:
    """A trusted workspace root (its vtcode.toml is read, tighten-only)."""
    return trusted_workspace(tmp_path / "workspace")


@pytest.fixture
def vtcode_host(vtcode_home: Path) -> Callable[..., PluginHost]:
    """`vtcode_host(plugin_module, families=None)`: see `vtcode.testing.plugin_host`."""
    return plugin_host


@pytest.fixture
def vtcode_installed_host(vtcode_home: Path) -> Callable[..., PluginHost]:
    """`vtcode_installed_host("vtcode-mine")`: the real gate, with test-only approvals."""
    return installed_host


@pytest.fixture
def vtcode_runner(vtcode_workspace: Path) -> Callable[..., ToolRunner]:
    """`vtcode_runner(host, approver=ScriptedApprover(["allow-once"]))`, in `vtcode_workspace`."""
    return partial(_runner, workspace=vtcode_workspace)


@pytest.fixture
def scripted_model() -> Callable[..., ScriptedModel]:
    """`scripted_model([tool_call_turn("my_tool", path="a.txt"), answer_turn("done")])`."""
    return ScriptedModel


def _runner(host: PluginHost, workspace: Path, **kwargs: Any) -> ToolRunner:
    from .runner import tool_runner

    return tool_runner(host, workspace, **kwargs)


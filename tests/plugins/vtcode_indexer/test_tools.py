"""list_symbols, find_symbol and outline through the real plugin host and the workspace jail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from vtcode_hookspecs import ToolResult

from vtcode.config.models import PluginsConfig
from vtcode.errors import PathDenied
from vtcode.events import EventBus
from vtcode.plugins import load_plugins
from vtcode.tools.arguments import parse_arguments
from vtcode.tools.call_context import CallContext
from vtcode.workspace import Jail


def call(workspace: Path, tool: str, **arguments: Any) -> ToolResult:
    bus = EventBus()
    entry = load_plugins(PluginsConfig(), bus).registries.tools.get(tool)
    assert entry is not None and entry.plugin == "indexer"
    return entry.obj.invoke(CallContext(Jail(workspace), bus, tool), parse_arguments(entry.obj.args_model,
                                                                                     arguments))


def test_tools(workspace: Path, tmp_path: Path) -> None:
    (workspace / "pkg").mkdir()
    (workspace / "pkg" / "m.py").write_text("class A:\n    def f(self):\n        pass\n")
    listed = call(workspace, "list_symbols", path="pkg")
    assert listed.output.splitlines() == ["pkg/m.py:1-3 class A", "pkg/m.py:2-3 method f (in A)"]
    assert call(workspace, "find_symbol", name="f", exact=True).data == {"count": 1}
    assert call(workspace, "outline", path="pkg/m.py").output == "class A  [1-3]\n  method f  [2-3]"
    (tmp_path / "x.py").write_text("def leak(): pass\n")
    with pytest.raises(PathDenied):
        call(workspace, "outline", path=str(tmp_path / "x.py"))

"""The file tools, called as the core calls them."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.tool_calls import Call, tool_caller


@pytest.fixture
def call(workspace: Path) -> Call:
    return tool_caller(workspace, "fs_tools")

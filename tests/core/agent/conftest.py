from __future__ import annotations

from pathlib import Path

import pytest
from helpers.agent_harness import AgentHarness


@pytest.fixture
def harness(workspace: Path) -> AgentHarness:
    return AgentHarness(workspace)

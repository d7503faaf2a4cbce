"""The `kit` fixture: hook scripts, the user's and the managed vtcode.toml, and `vtcode exec` runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.hook_kit import HookKit, make_kit


@pytest.fixture
def kit(workspace: Path, tmp_path: Path, isolated_user_dirs: Path) -> HookKit:
    return make_kit(workspace, tmp_path)

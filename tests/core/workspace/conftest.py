"""Fixtures for the jail: a workspace, a fake home beside it, a directory outside both, and the I/O mode.

`io_mode` runs a test twice: with openat2, and with the component-by-component fallback forced through
the documented switch VTCODE_NO_OPENAT2=1, so each guarantee is shown to hold on both paths.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vtcode.workspace import Jail
from vtcode.workspace.openat2 import FORCE_FALLBACK_ENV


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "outside"
    path.mkdir()
    (path / "secret.txt").write_text("outside\n")
    return path


@pytest.fixture
def jail(workspace: Path, home: Path) -> Jail:
    return Jail(workspace, home=home)


@pytest.fixture(params=["openat2", "fallback"])
def io_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "fallback":
        monkeypatch.setenv(FORCE_FALLBACK_ENV, "1")
    else:
        monkeypatch.delenv(FORCE_FALLBACK_ENV, raising=False)
    return str(request.param)

"""The real programs security tests run as witnesses (bash, git, make, jq...). On Linux `.ci/run` installs
every one of them (tests/test_ci.py checks it), so a missing one fails the test: a skipped witness proves
nothing. Only off Linux, where the project does not install them, is the test skipped."""

from __future__ import annotations

import shutil
import sys

import pytest

ON_LINUX = sys.platform.startswith("linux")


def program(name: str) -> str:
    """The path of NAME, or a failure (Linux) / a skip (elsewhere) when it is missing."""
    found = shutil.which(name) or shutil.which(name, path="/usr/bin:/bin")
    if found is not None:
        return found
    if ON_LINUX:
        pytest.fail(f"{name} is not installed: .ci/run installs it (PACKAGES); a witness may not be skipped")
    pytest.skip(f"{name} is not installed")


def witnesses(*names: str) -> None:
    """Every NAME present (see `program`): for an autouse fixture or the top of a test."""
    for name in names:
        program(name)

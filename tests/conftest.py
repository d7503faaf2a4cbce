"""Every test gets its own user config, cache and data dirs, and no system or managed file."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.distributions import build_wheel, pip_install, write_project

# A run started as a background job of a script (`tox ... &`, nohup) inherits SIGINT ignored, and Python then
# installs no handler of its own: the tests that press Ctrl-C would wait forever, and every command they
# start would inherit the ignored SIGINT too. Give the run Python's usual handler.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("vtcode-home")
    monkeypatch.setenv("VTCODE_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("VTCODE_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("VTCODE_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("VTCODE_SYSTEM_CONFIG", str(home / "etc" / "vtcode.toml"))
    monkeypatch.setenv("VTCODE_MANAGED_CONFIG", str(home / "etc" / "managed.toml"))
    return home


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root.resolve()


InstallPlugins = Callable[..., Path]


@pytest.fixture
def install_plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InstallPlugins]:
    """Build and pip-install plugin projects into a fresh target dir placed first on sys.path.

    `install(("vtcode-x", {"vtcode_x": SOURCE}, {"x": "vtcode_x"}), ...)` returns the target dir.
    Modules imported from it are dropped from sys.modules afterwards, so tests stay independent.
    """
    before = set(sys.modules)
    counter = iter(range(1000))

    def install(
        *projects: tuple[str, dict[str, str], dict[str, str]], version: str = "1.0.0", group: str = "vtcode"
    ) -> Path:
        n = next(counter)
        wheels = [
            build_wheel(
                write_project(tmp_path / f"src{n}" / dist, dist, modules, eps, version, group),
                tmp_path / f"whl{n}",
            )
            for dist, modules, eps in projects
        ]
        target = pip_install(wheels, tmp_path / f"site{n}")
        monkeypatch.syspath_prepend(str(target))
        return target

    yield install
    for name in set(sys.modules) - before:
        if name.startswith("vtcode_t_"):
            del sys.modules[name]

"""The third-party story, for real: wheels built, installed into a fresh venv, driven through the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers.distributions import FIXTURES, build_wheel
from helpers.venv import REPO, Venv

pytestmark = pytest.mark.slow


def _plugins(env: Venv, **kwargs: object) -> dict[str, dict[str, object]]:
    result = env.vtcode("plugins", "list", "--json", **kwargs)  # type: ignore[arg-type]
    return {row["name"]: row for row in json.loads(result.stdout)["plugins"]}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("wheels")
    return build_wheel(REPO, out), build_wheel(FIXTURES / "vtcode-hello", out)


def test_hello_plugin_lifecycle(wheels: tuple[Path, Path], tmp_path: Path) -> None:
    env = Venv(tmp_path / "venv")
    env.install(*wheels)
    marker = tmp_path / "hello-imported.txt"
    os.environ["VTCODE_HELLO_MARKER"] = str(marker)
    try:
        _story(env, marker, tmp_path)
    finally:
        del os.environ["VTCODE_HELLO_MARKER"]


def _story(env: Venv, marker: Path, tmp_path: Path) -> None:
    rows = _plugins(env, cwd=tmp_path)
    assert rows["hello"]["status"] == "needs-approval"
    assert rows["hello"]["distribution"] == "vtcode-hello" and rows["hello"]["hook_families"] == ["tools"]
    assert not marker.exists(), "a plugin that is not signed off must not be imported at all"
    builtins = [r for r in rows.values() if r["builtin"]]
    assert builtins and all(r["status"] == "signed-off" and r["integrity"] == "verified" for r in builtins)

    approved = env.vtcode("plugins", "approve", "vtcode-hello", cwd=tmp_path)
    assert "approved vtcode-hello 1.0.0" in approved.stdout and "hook families: tools" in approved.stdout

    rows = _plugins(env, cwd=tmp_path)
    assert rows["hello"]["status"] == "signed-off", rows["hello"]["reason"]
    assert rows["hello"]["registered"] == {"tools": ["hello"]}
    assert marker.exists()

    installed = next((env.root / "lib").glob("python3*/site-packages/vtcode_hello/__init__.py"))
    original = installed.read_text()
    installed.write_text(original.replace("hello, {args.name}", "pwned"))
    marker.unlink()
    rows = _plugins(env, cwd=tmp_path)
    assert rows["hello"]["status"] == "tampered"
    assert "vtcode_hello/__init__.py: contents differ from RECORD" in rows["hello"]["reason"]
    assert not marker.exists()

    installed.write_text(original)
    assert _plugins(env, cwd=tmp_path)["hello"]["status"] == "signed-off"
    rows = _plugins(env, cwd=tmp_path)
    disabled = env.vtcode("plugins", "list", "--json", "-c", "plugins.disabled=['hello']", cwd=tmp_path)
    row = {r["name"]: r for r in json.loads(disabled.stdout)["plugins"]}["hello"]
    assert row["status"] == "disabled" and row["reason"] == "disabled by config (plugins.disabled)"


def test_version_and_help_in_a_fresh_install(wheels: tuple[Path, Path], tmp_path: Path) -> None:
    env = Venv(tmp_path / "venv")
    env.install(wheels[0])
    assert env.vtcode("--version").stdout.strip().startswith("vtcode ")
    help_text = env.vtcode("--help").stdout
    for command in ("exec", "demo", "check", "sandbox", "trust", "plugins", "audit", "config", "sessions"):
        assert command in help_text

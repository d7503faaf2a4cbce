"""Fleet checks and governance from the command line: `plugins verify` exit codes (0 match, 1 drift,
2 bad input), pins in the managed file, and `plugins new` refusing bad names and existing directories."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.plugin_sources import tool_plugin

from vtcode.config import load_config
from vtcode.events import EventBus
from vtcode.plugins import Status, load_plugins
from vtcode.plugins.discovery import discover
from vtcode.plugins.integrity import record_digest

VTCODE = str(Path(sys.executable).parent / "vtcode")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([VTCODE, *args], text=True, capture_output=True, cwd=cwd, env=env, timeout=60)


@pytest.fixture
def lock(tmp_path: Path, workspace: Path) -> Path:
    path = tmp_path / "pins.toml"
    assert run("plugins", "lock", "--output", str(path), "--workspace", str(workspace)).returncode == 0
    return path


def test_verify_exit_0_when_installed_plugins_match(lock: Path, workspace: Path) -> None:
    result = run("plugins", "verify", "--lock", str(lock), "--workspace", str(workspace))
    assert (result.returncode, result.stdout.strip()) == (0, "ok: installed plugins match the pins")


def test_verify_exit_1_on_each_kind_of_drift(tmp_path: Path, workspace: Path) -> None:
    lock = tmp_path / "pins.toml"
    lock.write_text('[[plugins.pins]]\nname = "vtcode-gone"\nversion = "==1.0"\n')
    result = run("plugins", "verify", "--lock", str(lock), "--json", "--workspace", str(workspace))
    assert result.returncode == 1
    assert json.loads(result.stdout)["drift"] == [
        "vtcode-gone: pinned but not installed",
        "vtcode: signed off but not pinned",
    ]


def test_verify_exit_1_on_a_digest_mismatch(lock: Path, workspace: Path) -> None:
    other = 'record_digest = "sha256:' + "1" * 64 + '"'
    lock.write_text(re.sub(r'record_digest = "sha256:[0-9a-f]{64}"', other, lock.read_text(), count=1))
    result = run("plugins", "verify", "--lock", str(lock), "--workspace", str(workspace))
    assert result.returncode == 1 and "differs from the pin" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("[[plugins.pins]\nname = 'x'\n", "pins.toml:1: malformed TOML"),
        ("[sandbox]\nnetwork = true\n", "a pin file holds only [[plugins.pins]] tables"),
        ("[[plugins.pins]]\nname = 'x'\nversion = 'latest'\n", "not a version range"),
        ("[[plugins.pins]]\nname = 'x'\nrecord_digest = 'md5:00'\n", "record_digest"),
    ],
)
def test_verify_exit_2_on_bad_input(tmp_path: Path, content: str | None, message: str) -> None:
    lock = tmp_path / "pins.toml"
    if content is not None:
        lock.write_text(content)
    result = run("plugins", "verify", "--lock", str(lock))
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("vtcode: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_managed_pin_with_another_digest_blocks_the_plugin(
    install_plugins: Any, workspace: Path, isolated_user_dirs: Path
) -> None:
    target = install_plugins(
        ("vtcode-t-gov", {"vtcode_t_gov": tool_plugin("vtcode_t_gov", "gov")}, {"gov": "vtcode_t_gov"})
    )
    digest = record_digest(discover([str(target)]).candidates[0])[0]
    managed = isolated_user_dirs / "etc" / "managed.toml"
    managed.parent.mkdir(parents=True, exist_ok=True)
    pin = '[[plugins.pins]]\nname = "vtcode-t-gov"\nversion = "==1.0.0"\nrecord_digest = "{}"\n'

    managed.write_text(pin.format(digest))
    host = load_plugins(load_config(workspace).config.plugins, EventBus(), path=[str(target)])
    assert host.record("gov").status is Status.SIGNED_OFF  # type: ignore[union-attr]

    managed.write_text(pin.format("sha256:" + "0" * 64))
    host = load_plugins(load_config(workspace).config.plugins, EventBus(), path=[str(target)])
    record = host.record("gov")
    assert record is not None and record.status is Status.BLOCKED
    assert "pinned RECORD digest sha256:0000000000" in record.reason and host.registries.tools.names() == []


def test_a_user_file_cannot_pin_or_forbid(workspace: Path) -> None:
    user = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("[[plugins.pins]]\nname = 'vtcode-evil'\n")
    assert load_config(workspace).config.plugins.pins == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Bad", "lower-case letters"),
        ("two--hyphens", "lower-case letters"),
        ("1st", "lower-case letters"),
        ("a" * 41, "at most 40"),
        ("vtcode-thing", "without the vtcode- prefix"),
        ("fs-tools", "a built-in plugin is named 'fs_tools'"),
    ],
)
def test_plugins_new_refuses_bad_names(tmp_path: Path, name: str, message: str) -> None:
    result = run("plugins", "new", name, "--output", str(tmp_path))
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and list(tmp_path.iterdir()) == []


def test_plugins_new_never_overwrites(tmp_path: Path) -> None:
    existing = tmp_path / "vtcode-mine"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine")
    result = run("plugins", "new", "mine", "--output", str(tmp_path))
    assert result.returncode == 2 and "already exists" in result.stderr
    assert [p.name for p in existing.iterdir()] == ["keep.txt"] and len(list(tmp_path.iterdir())) == 1


def test_plugins_new_writes_a_project_for_every_family(tmp_path: Path) -> None:
    from vtcode_hookspecs import FAMILIES

    from vtcode.scaffold import FAMILY_KITS

    assert sorted(FAMILY_KITS) == sorted(FAMILIES)
    result = run("plugins", "new", "word-count", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    project = tmp_path / "vtcode-word-count"
    assert "entry point 'word_count', family tools" in result.stdout
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()) == [
        "README.md",
        "conftest.py",
        "pyproject.toml",
        "tests/test_install.py",
        "tests/test_word_count.py",
        "vtcode_word_count/__init__.py",
        "vtcode_word_count/py.typed",
        "vtcode_word_count/tool.py",
    ]
    pyproject = (project / "pyproject.toml").read_text()
    assert '[project.entry-points.vtcode]\nword_count = "vtcode_word_count"' in pyproject
    assert (project / "pyproject.toml").stat().st_mode & 0o777 == 0o644
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no staging directory left behind"


def test_lock_then_verify_agree_with_no_flags(workspace: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = run("plugins", "verify", cwd=workspace)
    assert before.returncode == 1 and "vtcode plugins lock" in before.stdout  # nothing verified is no pass
    written = run("plugins", "lock", "--workspace", str(workspace), cwd=elsewhere)
    assert written.returncode == 0, written.stderr
    assert (workspace / "vtcode-plugins.lock.toml").is_file()  # in the workspace, not the current directory
    assert not (elsewhere / "vtcode-plugins.lock.toml").exists()
    result = run("plugins", "verify", cwd=workspace)
    assert (result.returncode, result.stdout.strip()) == (0, "ok: installed plugins match the pins")
    lock = workspace / "vtcode-plugins.lock.toml"
    lock.write_text(lock.read_text() + '\n[[plugins.pins]]\nname = "vtcode-gone"\nversion = "==1.0"\n')
    drifted = run("plugins", "verify", cwd=workspace)
    assert drifted.returncode == 1 and "vtcode-gone: pinned but not installed" in drifted.stdout

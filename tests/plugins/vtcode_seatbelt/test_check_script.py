"""scripts/macos-sandbox-check judges each escape by its effect on disk. A judge that never sees an effect
would report every escape as stopped, so here each escape runs *unconfined* (plain bash, no sandbox) and
its judge must see what it did. The confined run is the Mac's half."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from vtcode_seatbelt.probe import case_insensitive

SCRIPT = Path(__file__).resolve().parents[3] / "scripts/macos-sandbox-check"


def _load() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("macos_sandbox_check", str(SCRIPT))
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[loader.name] = module  # dataclasses look their module up
    loader.exec_module(module)
    return module


check = _load()
ESCAPES = [c for c in check.CASES if c.kind == "escape"]


@pytest.mark.parametrize("case", ESCAPES, ids=[c.name for c in ESCAPES])
def test_each_escape_judge_sees_the_effect_of_an_unconfined_run(case: object, tmp_path: Path) -> None:
    if any(shutil.which(n) is None for n in case.needs):  # type: ignore[attr-defined]
        pytest.skip(f"needs {case.needs} (macOS tools)")  # type: ignore[attr-defined]
    if "letter case" in case.name and not case_insensitive(str(tmp_path)):  # type: ignore[attr-defined]
        pytest.skip("only has an effect on a case-insensitive file system (APFS)")
    server, port = check._serve()
    try:
        world = check._make_world(tmp_path / "world", port)
        if case.setup:  # type: ignore[attr-defined]
            subprocess.run(list(case.setup), cwd=world.ws, capture_output=True, check=False,  # type: ignore[attr-defined]
                           timeout=60)
        world.hashes = world.snapshot()
        script = case.script  # type: ignore[attr-defined]
        private_tmp = tmp_path / "private-tmp"  # what the sandbox gives a command as TMPDIR
        private_tmp.mkdir()
        env = {**check._env(world), "TMPDIR": str(private_tmp)}
        done = subprocess.run(["/bin/bash", "-c", script], cwd=world.ws, env=env, text=True,
                              capture_output=True, timeout=60, check=False)
        time.sleep(case.after)  # type: ignore[attr-defined]
        world.last_output = done.stdout + done.stderr
        assert case.effect(world) is not None, (done.stdout, done.stderr)  # type: ignore[attr-defined]
    finally:
        server.shutdown()


def test_the_script_refuses_to_judge_another_backend_without_being_asked() -> None:
    # On this machine `auto` picks Landlock: without --any-backend the script says so and exits 2.
    done = subprocess.run([sys.executable, str(SCRIPT)], text=True, capture_output=True, timeout=120,
                          check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "not seatbelt" in done.stdout

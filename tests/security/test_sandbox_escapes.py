"""The Linux sandbox's escape suite, stated as invariants (see helpers/sandbox_world.py), on every spawn
path, as root and as an unprivileged user, with and without a mount namespace.

Invariants, checked over a whole world after every attack and a pause for anything acting late:
nothing outside the writable roots changes (content, mode, owner, times, xattrs, links); no git control
file of any repository in the workspace changes or appears; the user's host-side git runs nothing the
command planted; no process of the command survives it; no set-id binary is made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import sandbox_world as world_suite
from helpers.spare_uid import copy_packages as _copy_packages
from helpers.spare_uid import python_for as _python_for

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the Landlock backend is Linux-only")

SPAWNS = ["launcher", "fork-server", "direct"]
NOBODY = 65534
HELPERS = Path(__file__).resolve().parents[1] / "helpers"


@pytest.fixture(scope="module")
def base() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="vtcode-escapes-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def names(base: Path) -> list[str]:
    world = world_suite.make_world(base)
    try:
        return list(world_suite.attacks(world))
    finally:
        shutil.rmtree(world.root)


@pytest.mark.parametrize("spawn", SPAWNS)
def test_every_attack_is_stopped_for_whoever_runs_the_suite(base: Path, names: list[str], spawn: str) -> None:
    """Root in the first CI pass; an ordinary user (no root, no cgroup of its own) in `.ci/run`'s second
    pass of this file, and uid 65534 below whenever the suite runs as root."""
    problems = world_suite.check_attacks(base, names, spawn)
    assert not problems, "\n".join(problems)


# Attacks whose effect depends on the machine: another terminal must be open to be read, a root-only
# file must exist under /etc, the agent must be root for its capabilities to matter, ...
# The pointers only matter once they are followed by the agent's own clean-up (which no longer follows
# them); unlisted keys run on `git add -p` and fetches, which the probe does not do.
MAY_HAVE_NO_EFFECT_UNCONFINED = {"other_terminals", "etc_only_root_can_read", "chown_outside",
                                 "inherited_fds", "kills_its_supervisor", "fifo_named_git",
                                 "sysv_shared_memory", "shared_memory", "link_outside",
                                 "pointer_to_outside", "pointer_to_own_repo", "unlisted_program_keys"}


def test_every_attack_breaks_an_invariant_when_nothing_stops_it(base: Path, names: list[str]) -> None:
    """The checks can fail: run unconfined, each attack is caught by them (so 'stopped' means stopped)."""
    lines = world_suite.check_attacks(base, names, "none")
    verdicts = dict(line.split(": ", 1) for line in lines
                    if line.endswith(("broke an invariant", "no effect")))
    missed = sorted(n for n, v in verdicts.items()
                    if v == "no effect" and n not in MAY_HAVE_NO_EFFECT_UNCONFINED)
    assert not missed, f"these attacks do nothing even unconfined, so they prove nothing: {missed}"
    assert sum(v == "broke an invariant" for v in verdicts.values()) >= len(names) - len(
        MAY_HAVE_NO_EFFECT_UNCONFINED)


@pytest.fixture(scope="module")
def full_access_names(base: Path) -> list[str]:
    world = world_suite.make_world(base, host_config=True)
    try:
        return list(world_suite.full_access_attacks(world))
    finally:
        shutil.rmtree(world.root)


@pytest.mark.parametrize("spawn", SPAWNS)
def test_full_access_keeps_the_users_git_config_and_linked_secrets(base: Path, full_access_names: list[str],
                                                                   spawn: str) -> None:
    """full-access opens the file system, not the user's own git configuration (global, XDG, included,
    the global hooks directory) nor a secret a credential store links to (by either name)."""
    problems = world_suite.check_full_access(base, full_access_names, spawn)
    assert not problems, "\n".join(problems)


def test_full_access_attacks_break_an_invariant_when_nothing_stops_them(base: Path,
                                                                       full_access_names: list[str]) -> None:
    lines = world_suite.check_full_access(base, full_access_names, "none")
    missed = sorted(line for line in lines if line.endswith("no effect"))
    assert not missed and len(lines) == len(full_access_names), lines


def test_full_access_without_a_mount_namespace_is_refused_or_keeps_the_users_git_config(
        base: Path, full_access_names: list[str]) -> None:
    """No mount namespace: the command is refused where vtcode's own code could not be made read-only (a
    venv under a writable root); otherwise the user's git configuration is put back after it."""
    problems = world_suite.check_full_access(base, full_access_names, "launcher", mount_namespace="off")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("spawn", SPAWNS)
def test_ordinary_work_runs_as_root(base: Path, spawn: str) -> None:
    # chmod +x, a build script, git add/commit/status/stash/checkout, multiprocessing's semaphores.
    assert world_suite.check_ordinary_work(base, spawn) == []


def test_without_a_mount_namespace_every_attack_is_still_stopped(base: Path, names: list[str]) -> None:
    """Where no mount namespace can be made: metadata syscalls denied, protected paths restored."""
    problems = world_suite.check_attacks(base, names, "launcher", mount_namespace="off")
    assert not problems, "\n".join(problems)


def test_without_a_mount_namespace_chmod_is_refused_and_the_rest_works(base: Path) -> None:
    # The documented cost of that fallback: no metadata change anywhere, so `chmod +x` fails (EPERM).
    world = world_suite.make_world(base)
    try:
        _, output = world_suite.run_in_sandbox(
            world, "chmod +x build.sh; sh build.sh && git status --short && echo done", "launcher",
            mount_namespace="off")
    finally:
        shutil.rmtree(world.root)
    assert "Operation not permitted" in output and "built" in output and "done" in output, output


# -- the same suite as an ordinary user -----------------------------------------------------------


@pytest.fixture(scope="module")
def unprivileged() -> Iterator[tuple[Path, str]]:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to a spare uid (the suite already runs unprivileged here)")
    root = Path(tempfile.mkdtemp(prefix="vtcode-unprivileged-", dir="/tmp"))
    root.chmod(0o755)
    _copy_packages(root / "lib")
    for sub in ("home", "worlds", "cache"):
        (root / sub).mkdir()
        os.chown(root / sub, NOBODY, NOBODY)
    yield root, _python_for(NOBODY)
    shutil.rmtree(root, ignore_errors=True)


def _run_as_nobody(root: Path, python: str, *args: str) -> dict[str, object]:
    out = root / "worlds" / f"result-{'-'.join(args)}.json"
    env = {
        "HOME": str(root / "home"), "XDG_CACHE_HOME": str(root / "cache"), "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(root / "lib"), "PYTHONDONTWRITEBYTECODE": "1", "LC_ALL": "C.UTF-8",
    }
    done = subprocess.run([python, str(root / "lib" / "sandbox_world.py"), str(out), str(root / "worlds"),
                           *args], user=NOBODY, group=NOBODY, extra_groups=[], env=env, cwd=root / "worlds",
                          capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, object] = json.loads(out.read_text())
    return result


@pytest.mark.slow
def test_every_attack_is_stopped_as_an_unprivileged_user(unprivileged: tuple[Path, str]) -> None:
    """No cgroup of its own, a user namespace for the mounts: the path most people run."""
    result = _run_as_nobody(*unprivileged, *SPAWNS)
    assert result["euid"] == NOBODY and int(str(result["attacks"])) >= 35
    assert int(str(result["full_access"])) >= 14
    assert result["problems"] == [], "\n".join(map(str, result["problems"]))  # type: ignore[arg-type]


@pytest.mark.slow
def test_every_attack_is_stopped_as_an_unprivileged_user_without_namespaces(
    unprivileged: tuple[Path, str],
) -> None:
    """User namespaces off (AppArmor's restriction, a sysctl): seccomp and detect-and-restore alone."""
    result = _run_as_nobody(*unprivileged, "launcher", "--no-namespace")
    problems = [p for p in result["problems"] if not str(p).startswith("ordinary work")]  # type: ignore[union-attr]
    assert problems == [], "\n".join(map(str, problems))


def test_sandbox_run_hands_the_command_only_stdio(tmp_path: Path) -> None:
    """`vtcode sandbox run` goes through the same starter as the agent (it used to fork with pass_fds,
    leaking the Landlock ruleset and a writable cgroup.procs as fds 4 and 5)."""
    ws = tmp_path / "ws"
    ws.mkdir()
    vtcode = shutil.which("vtcode")
    assert vtcode is not None
    done = subprocess.run([vtcode, "sandbox", "run", "--workspace", str(ws), "--", "/bin/sh", "-c",
                           "ls /proc/self/fd"], capture_output=True, text=True, timeout=60, check=False,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    fds = sorted(int(n) for n in done.stdout.split())
    assert fds[:3] == [0, 1, 2] and len(fds) == 4, fds  # the fourth is ls's own listing of the directory
    assert "spawn:launcher" in done.stderr or "spawn:fork-server" in done.stderr, done.stderr

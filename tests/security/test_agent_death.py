"""When the agent dies, by any means, nothing a sandboxed command started outlives it (decision 0205).

The invariant: after the agent process is gone (SIGKILL, SIGTERM or SIGHUP with no handler, a crash, its
terminal's session leader killed), no process of its commands is alive within a second: not a double-
forked daemon, a setsid'd or nohup'd one, one that ignores TERM/HUP/INT, one a spawner started just as the
agent died, nor one that first tried to stop and kill its supervisor. Checked on every spawn path (C
launcher, fork server, direct fork), as root (with a cgroup of its own here) and as uid 65534 (no cgroup:
the supervisor alone), over every live process of the machine (/proc), not a list of pids.

The agent is a real process (helpers/agent_death.py, the core's WorkspaceSandbox on one spawn path, or
`vtcode sandbox run` itself) killed with real signals; nothing is cleaned up by the test before the check.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.spare_uid import copy_packages, python_for

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the Landlock backend is Linux-only")

HELPERS = Path(__file__).resolve().parents[1] / "helpers"
SPAWNS = ["launcher", "fork-server", "direct"]
DEATHS = {"SIGKILL": signal.SIGKILL, "SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP,
          "crash": signal.SIGSEGV}
NOBODY = 65534
BOUND_S = 1.0  # every process of the command is gone this long after the agent is
EPERM = "1"


def alive_in(ws: Path) -> set[int]:
    """Every live (not zombie) process on the machine whose working directory or command line is in `ws`:
    each process of the payload keeps the workspace as its cwd whatever session or parent it has."""
    found, root = set(), str(ws)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cwd = os.readlink(f"/proc/{entry}/cwd")
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
            with open(f"/proc/{entry}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state not in (b"Z", b"X") and (cwd == root or cwd.startswith(root + "/")
                                          or root.encode() in cmdline):
            found.add(int(entry))
    return found


def wait_report(report: Path, agent: subprocess.Popen[bytes]) -> dict[str, object]:
    deadline = time.monotonic() + 60
    while not report.exists():
        assert agent.poll() is None, f"the agent exited ({agent.returncode}) before its command was ready"
        assert time.monotonic() < deadline, "the command never got ready"
        time.sleep(0.02)
    data: dict[str, object] = json.loads(report.read_text())
    assert "error" not in data, data
    return data


def check_running(ws: Path, data: dict[str, object], spawn: str) -> set[int]:
    """Before the kill: the payload runs on the wanted path, the scan sees every process of it, and the
    command could neither stop nor kill its supervisor."""
    enforced = [str(e) for e in data["enforced"]]  # type: ignore[attr-defined]
    assert enforced[-1].startswith(f"spawn:{spawn}"), enforced
    assert "descendants:supervised" in enforced, enforced
    running = alive_in(ws)
    pids = {int(p) for p in data["pids"].values()}  # type: ignore[attr-defined]
    assert pids <= running, (pids - running, running)
    assert_attack_failed(str(data["attack"]))
    return running


def assert_attack_failed(attack: str) -> None:
    """The command's daemon could not stop, kill or ptrace its supervisor (the kernel said EPERM)."""
    words = attack.split()
    assert words[:3] == [f"SIGSTOP:{EPERM}", f"SIGKILL:{EPERM}", f"PTRACE:{EPERM}"], attack


def gone_after(ws: Path, agent: subprocess.Popen[bytes], how: int | None) -> tuple[set[int], float]:
    """Kill the agent (unless `how` is None: it is dying already), then how long until nothing of the
    command is alive; what is alive after BOUND_S (plus a grace for a loaded machine) is returned."""
    if how is not None:
        os.kill(agent.pid, how)
    agent.wait(timeout=10)
    start = time.monotonic()
    while time.monotonic() - start < BOUND_S * 3:
        left = alive_in(ws)
        if not left:
            return set(), time.monotonic() - start
        time.sleep(0.01)
    return alive_in(ws), time.monotonic() - start


def describe(pids: set[int]) -> str:
    lines = []
    for pid in sorted(pids):
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                lines.append(f.read().decode(errors="replace").strip())
        except OSError:
            continue
    return "\n".join(lines)


def reap(ws: Path) -> None:
    """After a failed check: leave no payload running for the next test."""
    for pid in alive_in(ws):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def assert_gone(ws: Path, agent: subprocess.Popen[bytes], how: int | None) -> float:
    left, took = gone_after(ws, agent, how)
    if left:
        details = describe(left)
        reap(ws)
        pytest.fail(f"{len(left)} process(es) of the command outlived the agent:\n{details}")
    assert took <= BOUND_S, f"the command's processes took {took:.2f} s to go (bound {BOUND_S} s)"
    return took


def start_agent(python: str, ws: Path, spawn: str, report: Path, *, lib: Path | None = None,
                thread: bool = False, **popen: object) -> subprocess.Popen[bytes]:
    script = (lib or HELPERS) / "agent_death.py"
    args = [python, str(script), str(ws), spawn, str(report), *(["thread"] if thread else [])]
    env = dict(os.environ)
    if lib is not None:
        env = {"HOME": str(lib.parent / "home"), "XDG_CACHE_HOME": str(lib.parent / "cache"),
               "PATH": "/usr/bin:/bin", "PYTHONPATH": str(lib), "PYTHONDONTWRITEBYTECODE": "1",
               "LC_ALL": "C.UTF-8"}
        popen = {"user": NOBODY, "group": NOBODY, "extra_groups": [], **popen}
    return subprocess.Popen(args, env=env, cwd=ws.parent, stdin=subprocess.DEVNULL,  # type: ignore[call-overload,no-any-return]
                            stdout=subprocess.DEVNULL, **{"stderr": subprocess.DEVNULL, **popen})


@pytest.fixture
def reaper() -> Iterator[list[tuple[Path, subprocess.Popen[bytes]]]]:
    """Whatever a failed test left: its agent and every process in its workspace are killed at teardown."""
    runs: list[tuple[Path, subprocess.Popen[bytes]]] = []
    yield runs
    for ws, agent in runs:
        if agent.poll() is None:
            agent.kill()
            agent.wait()
        reap(ws)


def fresh(base: Path, owner: int | None = None) -> tuple[Path, Path]:
    root = Path(tempfile.mkdtemp(prefix="death-", dir=base))
    ws = root / "ws"
    ws.mkdir()
    if owner is not None:
        for path in (root, ws):
            os.chown(path, owner, owner)
    return ws, root / "report.json"


@pytest.mark.parametrize("spawn", SPAWNS)
@pytest.mark.parametrize("death", list(DEATHS))
def test_nothing_outlives_the_agent(tmp_path: Path, reaper: list[tuple[Path, subprocess.Popen[bytes]]],
                                    spawn: str, death: str) -> None:
    """The agent killed by a signal it does not handle (SIGKILL, SIGTERM, SIGHUP) or crashing (SIGSEGV)."""
    ws, report = fresh(tmp_path)
    agent = start_agent(sys.executable, ws, spawn, report)
    reaper.append((ws, agent))
    check_running(ws, wait_report(report, agent), spawn)
    assert_gone(ws, agent, DEATHS[death])


@pytest.mark.parametrize("spawn", SPAWNS)
def test_a_spawning_thread_that_exits_stops_nothing(
    tmp_path: Path, reaper: list[tuple[Path, subprocess.Popen[bytes]]], spawn: str,
) -> None:
    """PR_SET_PDEATHSIG fires when the agent's *thread* that spawned exits: the command must keep running
    while the agent lives (the report is written after that thread is gone), and still die with it."""
    ws, report = fresh(tmp_path)
    agent = start_agent(sys.executable, ws, spawn, report, thread=True)
    reaper.append((ws, agent))
    running = check_running(ws, wait_report(report, agent), spawn)
    time.sleep(0.3)
    assert {int(p) for p in json.loads(report.read_text())["pids"].values()} <= alive_in(ws), running
    assert_gone(ws, agent, signal.SIGKILL)


def _set_controlling_tty() -> None:
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.mark.parametrize("spawn", SPAWNS)
def test_nothing_outlives_the_agent_when_its_terminal_goes(
    tmp_path: Path, reaper: list[tuple[Path, subprocess.Popen[bytes]]], spawn: str,
) -> None:
    """The agent runs in a terminal under a shell (its parent, the session leader); the shell is killed
    with SIGKILL and the terminal closed: the kernel hangs the agent up, which has no handler."""
    ws, report = fresh(tmp_path)
    master, slave = pty.openpty()
    script = HELPERS / "agent_death.py"
    shell = subprocess.Popen(["/bin/sh", "-c", '"$@"; :', "sh", sys.executable, str(script), str(ws), spawn,
                              str(report)], stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
                             preexec_fn=_set_controlling_tty, cwd=ws.parent)
    os.close(slave)
    reaper.append((ws, shell))
    try:
        deadline = time.monotonic() + 60
        while not report.exists():
            assert shell.poll() is None and time.monotonic() < deadline, "the agent never got ready"
            time.sleep(0.02)
        check_running(ws, json.loads(report.read_text()), spawn)
        os.kill(shell.pid, signal.SIGKILL)
        shell.wait(timeout=10)
    finally:
        os.close(master)
    start = time.monotonic()
    while alive_in(ws) and time.monotonic() - start < BOUND_S * 3:
        time.sleep(0.01)
    left = alive_in(ws)
    if left:
        details = describe(left)
        reap(ws)
        pytest.fail(f"{len(left)} process(es) outlived the agent's terminal:\n{details}")
    assert time.monotonic() - start <= BOUND_S


def test_nothing_outlives_vtcode_sandbox_run(
    tmp_path: Path, reaper: list[tuple[Path, subprocess.Popen[bytes]]],
) -> None:
    """The real CLI (`vtcode sandbox run`) as the agent, SIGKILLed while its command's daemons run."""
    from helpers.agent_death import PAYLOAD

    ws, _ = fresh(tmp_path)
    vtcode = shutil.which("vtcode") or str(Path(sys.executable).with_name("vtcode"))
    argv = [vtcode, "sandbox", "run", "--workspace", str(ws), "--", "/bin/sh", "-c", PAYLOAD]
    agent = subprocess.Popen(argv, cwd=ws, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    reaper.append((ws, agent))
    deadline = time.monotonic() + 60
    while not (ws / "ready").exists():
        assert agent.poll() is None and time.monotonic() < deadline, "the command never got ready"
        time.sleep(0.02)
    time.sleep(0.2)
    assert_attack_failed((ws / "attack").read_text())
    assert len(alive_in(ws)) >= 7
    assert_gone(ws, agent, signal.SIGKILL)


# -- as an unprivileged user: no cgroup of its own, the supervisor is the only fence -----------------------

@pytest.fixture(scope="module")
def spare_uid() -> Iterator[tuple[Path, str]]:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to a spare uid (the tests above already run unprivileged here)")
    root = Path(tempfile.mkdtemp(prefix="vtcode-death-", dir="/tmp"))
    root.chmod(0o755)
    copy_packages(root / "lib")
    for sub in ("home", "cache", "runs"):
        (root / sub).mkdir()
        os.chown(root / sub, NOBODY, NOBODY)
    yield root, python_for(NOBODY)
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.parametrize("spawn", SPAWNS)
@pytest.mark.parametrize("death", ["SIGKILL", "SIGHUP", "crash"])
def test_nothing_outlives_the_agent_of_an_unprivileged_user(
    spare_uid: tuple[Path, str], reaper: list[tuple[Path, subprocess.Popen[bytes]]], spawn: str, death: str,
) -> None:
    root, python = spare_uid
    ws, report = fresh(root / "runs", NOBODY)
    agent = start_agent(python, ws, spawn, report, lib=root / "lib")
    reaper.append((ws, agent))
    data = wait_report(report, agent)
    check_running(ws, data, spawn)
    assert not any(str(e).startswith("processes:cgroup") for e in data["enforced"]), data  # type: ignore[attr-defined]
    assert_gone(ws, agent, DEATHS[death])


@pytest.mark.slow
@pytest.mark.parametrize("spawn", SPAWNS)
def test_a_spawning_thread_that_exits_stops_nothing_for_an_unprivileged_user(
    spare_uid: tuple[Path, str], reaper: list[tuple[Path, subprocess.Popen[bytes]]], spawn: str,
) -> None:
    root, python = spare_uid
    ws, report = fresh(root / "runs", NOBODY)
    agent = start_agent(python, ws, spawn, report, lib=root / "lib", thread=True)
    reaper.append((ws, agent))
    data = wait_report(report, agent)
    check_running(ws, data, spawn)
    time.sleep(0.3)
    assert {int(p) for p in data["pids"].values()} <= alive_in(ws)  # type: ignore[attr-defined]
    assert_gone(ws, agent, signal.SIGKILL)

"""The fork server itself: fails closed when it dies, serves concurrent spawns, leaks no fds, reports
exit statuses and signals, and a timeout still kills every process of the command (the cgroup)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from vtcode_hookspecs import SandboxRequest
from vtcode_landlock import served
from vtcode_landlock.backend import LandlockBackend, ServedSpawn
from vtcode_landlock.served import ForkServerError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Landlock and seccomp are Linux features")


@pytest.fixture
def backend() -> Iterator[LandlockBackend]:
    b = LandlockBackend(launcher=False)  # the launcher is the first choice: test the server itself
    yield b
    b.close()


def _request(workspace: Path, argv: list[str]) -> SandboxRequest:
    return SandboxRequest(argv=tuple(argv), cwd=str(workspace), workspace=str(workspace),
                          env=dict(os.environ),
                          protected_paths=(f"{workspace}/.git/hooks/", f"{workspace}/.git/config"))


def _prepare(backend: LandlockBackend, workspace: Path, argv: list[str]) -> ServedSpawn:
    prepared = backend.prepare(_request(workspace, argv))
    assert isinstance(prepared, ServedSpawn) and prepared.launch is not None
    return prepared


def test_a_dead_server_means_the_command_is_denied_not_run_unconfined(
    backend: LandlockBackend, workspace: Path
) -> None:
    marker = workspace / "ran"
    prepared = _prepare(backend, workspace, ["/bin/sh", "-c", f"echo x > {marker}"])
    assert backend.fork_server is not None and backend.fork_server.pid is not None
    os.kill(backend.fork_server.pid, signal.SIGKILL)
    time.sleep(0.1)
    assert prepared.launch is not None
    with pytest.raises(ForkServerError, match="fork server") as raised:
        prepared.launch(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert "\n" not in str(raised.value)
    prepared.release()
    assert not marker.exists()
    # The next command gets a new server.
    proc = backend.spawn(_request(workspace, ["/bin/true"]))
    assert proc.wait(timeout=30) == 0
    assert backend.fork_server.starts == 2


def test_a_failing_step_is_reported_in_one_line_and_nothing_runs(
    backend: LandlockBackend, workspace: Path
) -> None:
    marker = workspace / "ran"
    server = backend._server()
    assert server is not None
    steps = [("landlock", "landlock", 3, 0), ("seccomp", "seccomp", b"\x06\x00\x00\x00\x00\x00\xff\x7f")]
    devnull = os.open(os.devnull, os.O_RDONLY)  # not a ruleset fd: landlock_restrict_self fails (EBADFD)
    try:
        with pytest.raises(ForkServerError, match=r"sandbox step 'landlock' failed.*nothing was run"):
            served.launch(server, ["/bin/sh", "-c", f"echo x > {marker}"], {}, steps, [devnull])
    finally:
        os.close(devnull)
    assert not marker.exists()


def test_server_unavailable_falls_back_to_direct_and_says_so(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(served, "SERVER_PATH", "/nonexistent/forkserver.py")
    b = LandlockBackend(launcher=False)
    prepared = b.prepare(_request(workspace, ["/bin/true"]))
    assert isinstance(prepared, ServedSpawn) and prepared.launch is None
    assert any(e.startswith("spawn:direct (fork server unavailable:") for e in prepared.enforced)
    proc = subprocess.Popen(["/bin/true"], preexec_fn=prepared.preexec_fn, pass_fds=prepared.pass_fds)
    assert proc.wait(timeout=30) == 0
    prepared.release()


def test_concurrent_spawns(backend: LandlockBackend, workspace: Path) -> None:
    results: dict[int, str] = {}

    def one(i: int) -> None:
        proc = backend.spawn(_request(workspace, ["/bin/sh", "-c", f"echo {i}; exit {i}"]))
        out, _ = proc.communicate(timeout=60)
        results[i] = f"{out.decode().strip()}:{proc.returncode}"

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: f"{i}:{i}" for i in range(12)}


def test_no_fd_leaks_into_the_child(backend: LandlockBackend, workspace: Path) -> None:
    code = "import os; print(' '.join(sorted(os.listdir('/proc/self/fd'))))"
    proc = backend.spawn(_request(workspace, ["/usr/bin/python3", "-c", code]))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    # 0-2 and the directory fd listdir itself holds: no ruleset, cgroup, socket or pidfd.
    assert set(out.decode().split()) <= {"0", "1", "2", "3"}, out


def test_exit_status_and_signals_come_back(backend: LandlockBackend, workspace: Path) -> None:
    assert backend.spawn(_request(workspace, ["/bin/sh", "-c", "exit 7"])).wait(timeout=30) == 7
    assert backend.spawn(_request(workspace, ["/bin/sh", "-c", "kill -TERM $$"])).wait(timeout=30) == -15
    sleeper = backend.spawn(_request(workspace, ["/bin/sleep", "60"]))
    assert sleeper.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        sleeper.wait(timeout=0.2)
    sleeper.send_signal(signal.SIGINT)
    assert sleeper.wait(timeout=30) == -signal.SIGINT
    assert sleeper.poll() == -signal.SIGINT
    with pytest.raises(FileNotFoundError):
        backend.spawn(_request(workspace, ["no-such-program-here"]))


def test_timeout_kills_the_whole_cgroup(backend: LandlockBackend, workspace: Path) -> None:
    pids = workspace / "pids"
    script = f"setsid sleep 300 & echo $! > {pids}; sleep 300"
    prepared = _prepare(backend, workspace, ["/bin/sh", "-c", script])
    assert prepared.launch is not None
    proc = prepared.launch(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not (pids.exists() and pids.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.02)
    daemon = int(pids.read_text())
    with pytest.raises(subprocess.TimeoutExpired):
        proc.wait(timeout=0.3)
    cleanup = prepared.release()  # what run_command does at its timeout
    assert cleanup.killed >= 2
    # The supervisor was stopped (SIGTERM) and killed every descendant before it exited.
    assert proc.wait(timeout=10) in (-signal.SIGTERM, -signal.SIGKILL)
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{daemon}") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not os.path.exists(f"/proc/{daemon}"), "the setsid daemon outlived the command"

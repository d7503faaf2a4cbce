"""The C launcher: fails closed on a bad, truncated or foreign plan (nothing runs, one line), leaks no fd,
really installs the seccomp filter, and is only run when it verifies; without it the backend falls back
to the fork server and says so."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vtcode_hookspecs import SandboxRequest
from vtcode_landlock import launcher
from vtcode_landlock.backend import LandlockBackend, ServedSpawn
from vtcode_landlock.confine import Confinement
from vtcode_landlock.containment import ContainmentPool
from vtcode_landlock.env import scrub_env
from vtcode_landlock.syscalls import number

from .conftest import PRELUDE, PYTHON, SpecFactory

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Landlock and seccomp are Linux features")
DENY_ALL_BUT_ALLOW = b"\x06\x00\x00\x00\x00\x00\xff\x7f"  # a one-instruction filter: RET ALLOW
CLONE_NEWUTS = 0x04000000


@pytest.fixture
def backend(launcher_binary: str) -> Iterator[LandlockBackend]:
    b = LandlockBackend()
    yield b
    b.close()


@pytest.fixture
def fresh_launcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package directory holding only launcher.c: locate() must find or build everything else."""
    package = tmp_path / "package"
    package.mkdir()
    shutil.copy(Path(launcher.__file__).with_name("launcher.c"), package / "launcher.c")
    monkeypatch.setattr(launcher, "HERE", package)
    launcher.reset()
    yield package
    launcher.reset()


def _request(workspace: Path, argv: list[str]) -> SandboxRequest:
    return SandboxRequest(argv=tuple(argv), cwd=str(workspace), workspace=str(workspace),
                          env=dict(os.environ),
                          protected_paths=(f"{workspace}/.git/hooks/", f"{workspace}/.git/config"))


def _std() -> list[int]:
    return [os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC) for _ in range(3)]


def _spawn_raw(binary: str, plan: bytes, extra: list[int]) -> tuple[int, bytes]:
    fds = _std()
    try:
        pid, failure = launcher.spawn_plan(binary, plan, fds + extra)
    finally:
        for fd in fds:
            os.close(fd)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == (127 if failure else 0), failure
    return pid, failure


def _marker_plan(marker: Path, steps: list[tuple[Any, ...]], **kw: Any) -> bytes:
    argv = ["/bin/sh", "-c", f"echo ran > {marker}"]
    return launcher.encode_plan(argv, {}, [argv[0]], steps, **kw)


def test_a_bad_ruleset_fd_means_nothing_runs_and_one_line(launcher_binary: str, workspace: Path) -> None:
    marker = workspace / "ran"
    steps = [("landlock", "landlock", 3, 0), ("seccomp", "seccomp", DENY_ALL_BUT_ALLOW)]
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)  # not a ruleset: landlock_restrict_self fails
    try:
        _, failure = _spawn_raw(launcher_binary, _marker_plan(marker, steps), [devnull])
        with pytest.raises(launcher.LauncherError, match=r"sandbox step 'landlock' failed.*nothing was run"
                           ) as raised:
            launcher.launch(launcher_binary, ["/bin/sh", "-c", f"echo x > {marker}"], {}, steps, [devnull])
    finally:
        os.close(devnull)
    assert failure.count(b"\n") == 1 and failure.endswith(b"\n")
    assert failure.startswith(b"landlock\t")
    assert "\n" not in str(raised.value)
    assert not marker.exists()


@pytest.mark.parametrize("cut", [1, 9, 40])
def test_a_truncated_plan_means_nothing_runs(
    launcher_binary: str, workspace: Path, confine: SpecFactory, cut: int
) -> None:
    marker = workspace / "ran"
    conf = confine()
    plan = _marker_plan(marker, conf.steps(3))
    _, failure = _spawn_raw(launcher_binary, plan[:-cut], list(conf.pass_fds))
    assert failure.count(b"\n") == 1 and b"truncated" in failure, failure
    assert not marker.exists()


def test_a_plan_version_mismatch_is_refused(
    launcher_binary: str, workspace: Path, confine: SpecFactory
) -> None:
    marker = workspace / "ran"
    conf = confine()
    _, failure = _spawn_raw(launcher_binary, _marker_plan(marker, conf.steps(3),
                                                            version=launcher.PLAN_VERSION + 1),
                            list(conf.pass_fds))
    assert b"plan version mismatch" in failure and failure.count(b"\n") == 1
    _, failure = _spawn_raw(launcher_binary, b"NOPE" + _marker_plan(marker, conf.steps(3))[4:],
                            list(conf.pass_fds))
    assert b"not a launcher plan" in failure
    assert not marker.exists()


def test_a_plan_without_landlock_or_seccomp_is_refused(launcher_binary: str, workspace: Path) -> None:
    marker = workspace / "ran"
    for steps in ([], [("seccomp", "seccomp", DENY_ALL_BUT_ALLOW)]):
        _, failure = _spawn_raw(launcher_binary, _marker_plan(marker, steps), [])
        assert b"refusing to run unconfined" in failure
    assert not marker.exists()


def test_a_failing_step_stops_before_exec(
    launcher_binary: str, workspace: Path, confine: SpecFactory
) -> None:
    marker = workspace / "ran"
    conf = confine()
    with pytest.raises(launcher.LauncherError, match=r"sandbox step 'cwd' failed.*chdir.*nothing was run"):
        launcher.launch(launcher_binary, ["/bin/sh", "-c", f"echo x > {marker}"], {},
                        conf.steps(3, str(workspace / "missing")), conf.pass_fds)
    assert not marker.exists()


def test_the_seccomp_filter_is_really_installed(
    launcher_binary: str, workspace: Path, private_tmp: Path, confine: SpecFactory
) -> None:
    conf = confine()
    code = PRELUDE + (
        f"attempt('unshare', lambda: sys_call({number('unshare')}, {CLONE_NEWUTS}))\n"
        "status = dict(l.split(':', 1) for l in open('/proc/self/status') if ':' in l)\n"
        "print('seccomp=' + status['Seccomp'].strip() + ',' + status['Seccomp_filters'].strip())\n"
        "print('nnp=' + status['NoNewPrivs'].strip())\n"
    )
    env = scrub_env(os.environ) | {"HOME": str(private_tmp)}
    proc = launcher.launch(launcher_binary, [PYTHON, "-c", code], env, conf.steps(3, str(workspace)),
                           conf.pass_fds)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    verdicts = dict(line.split("=", 1) for line in out.decode().splitlines())
    # Root could unshare without the filter; with it the kernel answers EPERM.
    assert verdicts == {"unshare": "EPERM", "seccomp": "2,1", "nnp": "1"}


def test_no_fd_but_stdio_reaches_the_command(backend: LandlockBackend, workspace: Path) -> None:
    leaky = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(leaky, True)  # even an inheritable fd of the agent must not get through
    try:
        code = "import os; print(' '.join(sorted(os.listdir('/proc/self/fd'))))"
        proc = backend.spawn(_request(workspace, [PYTHON, "-c", code]))
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(leaky)
    assert isinstance(proc, launcher.LaunchedProcess)
    assert proc.returncode == 0, err
    assert set(out.decode().split()) <= {"0", "1", "2", "3"}, out  # 3: listdir's own directory fd


def test_exit_status_signals_and_concurrency(backend: LandlockBackend, workspace: Path) -> None:
    assert backend.spawn(_request(workspace, ["/bin/sh", "-c", "exit 7"])).wait(timeout=30) == 7
    assert backend.spawn(_request(workspace, ["/bin/sh", "-c", "kill -TERM $$"])).wait(timeout=30) == -15
    sleeper = backend.spawn(_request(workspace, ["/bin/sleep", "60"]))
    assert sleeper.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        sleeper.wait(timeout=0.2)
    sleeper.send_signal(signal.SIGINT)
    assert sleeper.wait(timeout=30) == -signal.SIGINT
    with pytest.raises(FileNotFoundError):
        backend.spawn(_request(workspace, ["no-such-program-here"]))
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
    assert backend.fork_server is not None and backend.fork_server.pid is None  # never needed


def test_prepared_commands_go_through_the_launcher(backend: LandlockBackend, workspace: Path) -> None:
    prepared = backend.prepare(_request(workspace, ["/bin/true"]))
    assert isinstance(prepared, ServedSpawn) and prepared.launch is not None
    assert prepared.enforced[-1] == "spawn:launcher"
    assert prepared.launch(stdout=None, stderr=None).wait(timeout=30) == 0
    prepared.release()


def test_built_on_first_use_privately_and_rebuilt_when_tampered(fresh_launcher: Path) -> None:
    first = launcher.locate()
    cache = launcher.cache_dir()
    assert Path(first).parent == cache
    digest = launcher.source_digest(fresh_launcher / "launcher.c")
    assert Path(first).name == f"launcher-{digest}"
    assert os.stat(first).st_mode & 0o777 == 0o700 and os.stat(cache).st_mode & 0o777 == 0o700
    assert [p.name for p in cache.iterdir()] == [Path(first).name]  # no build leftovers
    assert launcher.verify(first, digest) is None
    # A binary that was not built from this launcher.c is never run: it is rebuilt.
    Path(first).write_bytes(b"#!/bin/sh\necho pwned\n")
    os.chmod(first, 0o700)
    assert launcher.verify(first, digest) is not None
    assert launcher.locate() == first  # the lstat identity changed: resolved again
    assert launcher.verify(first, digest) is None


def test_a_packaged_binary_that_does_not_verify_is_not_used(fresh_launcher: Path) -> None:
    fake = fresh_launcher / "_launcher"
    fake.write_bytes(b"#!/bin/sh\necho pwned\n")
    fake.chmod(0o755)
    with pytest.raises(launcher.LauncherUnavailable, match="packaged launcher does not verify"):
        launcher.locate()


def test_no_binary_and_no_compiler_falls_back_to_the_fork_server_and_says_so(
    fresh_launcher: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher, "find_compiler", lambda: None)
    b = LandlockBackend()
    try:
        prepared = b.prepare(_request(workspace, ["/bin/true"]))
        assert isinstance(prepared, ServedSpawn) and prepared.launch is not None
        assert prepared.enforced[-1].startswith("spawn:fork-server (launcher unavailable: no launcher binary")
        assert prepared.launch(stdout=None, stderr=None).wait(timeout=30) == 0
        prepared.release()
    finally:
        b.close()


def test_plan_encoding_refuses_what_execve_would(confine: SpecFactory) -> None:
    conf: Confinement = confine()
    with pytest.raises(ValueError, match="null byte"):
        launcher.encode_plan(["/bin/echo", "a\0b"], {}, ["/bin/echo"], conf.steps(3))
    with pytest.raises(ValueError, match="environment variable name"):
        launcher.encode_plan(["/bin/echo"], {"A=B": "c"}, ["/bin/echo"], conf.steps(3))
    with pytest.raises(ValueError, match="fd index"):
        launcher.encode_plan(["/bin/echo"], {}, ["/bin/echo"], [("landlock", "landlock", 1, 0)])


def test_an_emptied_cgroup_is_reused_and_a_busy_one_is_not(backend: LandlockBackend, workspace: Path) -> None:
    pool = ContainmentPool(64)
    cage = pool.take()
    if cage.path is None:
        pytest.skip("no cgroup can be made here (process-group fallback)")
    sleeper = subprocess.Popen(["/bin/sleep", "60"])
    try:
        with open(os.path.join(cage.path, "cgroup.procs"), "w", encoding="ascii") as procs:
            procs.write(str(sleeper.pid))
        pool.give_back(cage)  # a process is still inside: closed, not kept
        assert pool.take() is not cage
    finally:
        sleeper.kill()
        sleeper.wait()
    # Through the backend: after release, the next command gets the emptied cgroup back.
    first = backend.prepare(_request(workspace, ["/bin/true"]))
    assert first.launch is not None and first.launch(stdout=None, stderr=None).wait(timeout=30) == 0
    first.release()
    idle = backend._cages._idle
    assert len(idle) == 1 and idle[0].path is not None and not idle[0].members()
    kept = os.path.basename(idle[0].path)
    second = backend.prepare(_request(workspace, ["/bin/sh", "-c", "cat /proc/self/cgroup"]))
    assert second.launch is not None
    proc = second.launch()
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    second.release()
    pool.close()
    assert kept in out.decode()  # the same cgroup, reused


def test_an_installed_wheel_uses_its_own_launcher(launcher_binary: str) -> None:
    """A wheel ships `_launcher` (hatch_build.py); an editable install builds one into the user cache."""
    packaged = Path(launcher.__file__).with_name("_launcher")
    digest = launcher.source_digest(Path(launcher.__file__).with_name("launcher.c"))
    if packaged.exists():
        assert launcher_binary == str(packaged)
        assert os.stat(packaged).st_mode & 0o777 == 0o755
    else:  # built by an earlier test into its (per-test) cache dir, and remembered for the process
        assert Path(launcher_binary).parent.name == "sandbox-launcher"
        assert Path(launcher_binary).name == f"launcher-{digest}"
    assert launcher.verify(launcher_binary, digest) is None


def test_a_second_release_does_not_hand_the_cgroup_back_twice(
    backend: LandlockBackend, workspace: Path
) -> None:
    prepared = backend.prepare(_request(workspace, ["/bin/true"]))
    assert prepared.launch is not None and prepared.launch(stdout=None, stderr=None).wait(timeout=30) == 0
    first = prepared.release()
    assert prepared.release() is first
    idle = backend._cages._idle
    assert len(idle) == len({id(c) for c in idle}) <= 1


def test_what_runs_is_the_inode_that_was_verified(
    fresh_launcher: Path, workspace: Path, confine: SpecFactory
) -> None:
    path = launcher.locate()
    marker = workspace / "swapped"
    swapped = Path(path).with_name("swap")
    swapped.write_text(f"#!/bin/sh\necho pwned > {marker}\n")
    swapped.chmod(0o700)
    os.replace(swapped, path)  # after the check: the held-open, verified file is still what runs
    conf = confine()
    proc = launcher.launch(path, ["/bin/sh", "-c", "echo confined"], {}, conf.steps(3, str(workspace)),
                           conf.pass_fds)
    out, _ = proc.communicate(timeout=30)
    assert (proc.returncode, out) == (0, b"confined\n")
    assert not marker.exists()
    assert launcher.locate() == path  # the swap is noticed: rebuilt and verified again
    assert launcher.verify(path, launcher.source_digest(fresh_launcher / "launcher.c")) is None

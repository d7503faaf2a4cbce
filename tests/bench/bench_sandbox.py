"""Sandbox costs: spawning /bin/true confined vs bare vs bwrap; output throughput on pipes and PTYs.

Spawn: medians over SPAWN_RUNS of (a) a bare subprocess, (b) a Landlock+seccomp+cgroup spawn with the
confinement built once (what the child itself costs), (c) the full per-command path the agent takes
(core WorkspaceSandbox: build the confinement, snapshot protected paths, spawn, kill leftovers, restore),
and (d) bwrap (Debian's bubblewrap, installed here if missing) with an equivalent profile: read-only
system, writable workspace, read-only .git/hooks and .git/config, private /tmp, no network.
Throughput: `yes | head -c N` through run_command on a pipe (1 GiB) and on a PTY (PTY_BYTES: a PTY's
line discipline runs at a few MB/s, a GiB would take minutes), each against a raw os.read loop on the same
kind of channel in the same run; peak RSS growth of this process for each.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from measure import median_ms
from ptyprocess import PtyProcess

SPAWN_RUNS = 200
PIPE_BYTES = 1 << 30
PTY_BYTES = 32 << 20


def _ensure_bwrap() -> str | None:
    found = shutil.which("bwrap")
    if found is None and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "bubblewrap"], check=False, capture_output=True)
        found = shutil.which("bwrap")
    return found


def _bwrap_argv(bwrap: str, ws: str) -> list[str]:
    argv = [
        bwrap,
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    ]
    for top in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64"):
        if os.path.islink(top):
            argv += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            argv += ["--ro-bind", top, top]
    argv += [
        "--bind",
        ws,
        ws,
        "--ro-bind",
        f"{ws}/.git/hooks",
        f"{ws}/.git/hooks",
        "--ro-bind",
        f"{ws}/.git/config",
        f"{ws}/.git/config",
        "--chdir",
        ws,
        "/bin/true",
    ]
    return argv


def _workspace_sandbox(ws: Path) -> tuple[object, object]:
    from vtcode_landlock.backend import LandlockBackend

    from vtcode.config.models import SandboxConfig
    from vtcode.events import EventBus
    from vtcode.sandbox import WorkspaceSandbox

    bus = EventBus()
    return WorkspaceSandbox(LandlockBackend(), SandboxConfig(), ws, bus), bus


def _spawn_figures(ws: Path) -> bool:
    from vtcode_landlock.backend import LandlockBackend

    box, bus = _workspace_sandbox(ws)
    backend = LandlockBackend()
    prebuilt = backend.prepare(box.request(["/bin/true"], str(ws)))  # type: ignore[attr-defined]

    def confined_prebuilt() -> None:
        subprocess.run(["/bin/true"], preexec_fn=prebuilt.preexec_fn, pass_fds=prebuilt.pass_fds, check=True)

    def per_command() -> None:
        prepared = box.prepare(box.request(["/bin/true"], str(ws)))  # type: ignore[attr-defined]
        subprocess.run(
            list(prepared.argv),
            cwd=prepared.cwd,
            env=prepared.env,
            preexec_fn=prepared.preexec_fn,
            pass_fds=prepared.pass_fds,
            check=True,
        )
        prepared.release()

    bare = median_ms(lambda: subprocess.run(["/bin/true"], check=True), SPAWN_RUNS)
    prebuilt_ms = median_ms(confined_prebuilt, SPAWN_RUNS)
    full = median_ms(per_command, SPAWN_RUNS // 2)
    prebuilt.release()
    bus.history.clear()  # type: ignore[attr-defined]
    print(f"- /bin/true bare: {bare:.2f} ms median over {SPAWN_RUNS}")
    print(f"- confined, confinement prebuilt: {prebuilt_ms:.2f} ms (+{prebuilt_ms - bare:.2f} ms)")
    print(f"- confined, full per-command path (prepare+spawn+release): {full:.2f} ms (+{full - bare:.2f} ms)")
    ok = full - bare <= 4.0
    print(f"  target within 4 ms of bare: {'ok' if ok else 'MISSED'}")
    bwrap = _ensure_bwrap()
    if bwrap is None:
        print("- bwrap: not installed and could not be installed: MISSED (no comparison)")
        return False
    argv = _bwrap_argv(bwrap, str(ws))
    subprocess.run(argv, check=True)
    bwrap_ms = median_ms(lambda: subprocess.run(argv, check=True), SPAWN_RUNS)
    faster = bwrap_ms / full
    print(
        f"- bwrap, equivalent profile: {bwrap_ms:.2f} ms = {faster:.2f}x our full path "
        f"({bwrap_ms / prebuilt_ms:.2f}x prebuilt)  target >= 2x: {'ok' if faster >= 2 else 'MISSED'}"
    )
    return ok and faster >= 2


def _raw_pipe_mb_s(nbytes: int) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(["/bin/sh", "-c", f"yes | head -c {nbytes}"], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    fd, total = proc.stdout.fileno(), 0
    while chunk := os.read(fd, 256 * 1024):
        total += len(chunk)
    proc.wait()
    return total / (time.perf_counter() - start) / 1e6


def _raw_pty_mb_s(nbytes: int) -> float:
    start = time.perf_counter()
    proc = PtyProcess.spawn(["/bin/sh", "-c", f"yes | head -c {nbytes}"], echo=False)
    total = 0
    while True:
        try:
            chunk = os.read(proc.fd, 256 * 1024)
        except OSError:
            break
        if not chunk:
            break
        total += len(chunk)
    proc.close(force=True)
    return total / (time.perf_counter() - start) / 1e6


def _tool_mb_s(ws: Path, nbytes: int, terminal: bool) -> tuple[float, float]:
    from vtcode_bash_runner.run_command import RunCommandArgs, RunCommandTool

    from vtcode.events import EventBus
    from vtcode.tools.context import CallContext
    from vtcode.workspace.jail import Jail

    box, _ = _workspace_sandbox(ws)
    ctx = CallContext(Jail(ws), EventBus(), "run_command", sandbox=box)  # type: ignore[arg-type]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = RunCommandTool().invoke(
        ctx, RunCommandArgs(command=f"yes | head -c {nbytes}", terminal=terminal, timeout_s=600)
    )
    elapsed = time.perf_counter() - start
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert result.data["exit_code"] == 0, result.output[:500]
    return result.data["bytes"] / elapsed / 1e6, growth


def _throughput_figures(ws: Path) -> bool:
    raw_pipe = _raw_pipe_mb_s(PIPE_BYTES)
    pipe, pipe_rss = _tool_mb_s(ws, PIPE_BYTES, terminal=False)
    raw_pty = _raw_pty_mb_s(PTY_BYTES)
    pty, pty_rss = _tool_mb_s(ws, PTY_BYTES, terminal=True)
    ok_pipe, ok_pty = pipe >= 150, pty >= 0.8 * raw_pty
    print(
        f"- pipe, run_command `yes | head -c 1G`: {pipe:.0f} MB/s = {pipe / raw_pipe:.2f}x raw pipe "
        f"read loop ({raw_pipe:.0f} MB/s)  target >= 150 MB/s: {'ok' if ok_pipe else 'MISSED'}"
    )
    print(
        f"- PTY, run_command `yes | head -c {PTY_BYTES >> 20}M`: {pty:.1f} MB/s = "
        f"{pty / raw_pty:.2f}x raw PTY os.read loop ({raw_pty:.1f} MB/s)  "
        f"target >= 0.8x: {'ok' if ok_pty else 'MISSED'}"
    )
    ok_rss = pipe_rss < 50 and pty_rss < 50
    print(
        f"- peak RSS growth: pipe {pipe_rss:.1f} MB, PTY {pty_rss:.1f} MB  target < 50 MB: "
        f"{'ok' if ok_rss else 'MISSED'}"
    )
    return ok_pipe and ok_pty and ok_rss


def run() -> bool:
    with tempfile.TemporaryDirectory(prefix="vtcode-bench-") as tmp:
        ws = Path(tmp).resolve()
        subprocess.run(["git", "init", "-q", str(ws)], check=True)
        spawn_ok = _spawn_figures(ws)
        throughput_ok = _throughput_figures(ws)
    return spawn_ok and throughput_ok

"""Sandbox costs: spawning /bin/true confined vs bare vs bwrap; output throughput on pipes and PTYs.

Spawn, from a parent with the vtcode stack imported (and again with +FAT_PARENT_MB of touched memory):
medians over SPAWN_RUNS of (a) a bare subprocess, (b) the full per-command path the agent takes (core
WorkspaceSandbox: request, prepare, snapshot, spawn, wait, kill leftovers, restore) with the kernel rules
rebuilt per command (the old path), (c) the same with the rules cached, forked from this process with
preexec_fn, (d) the same through the fork server, (e) the same through the C launcher (posix_spawn, the
default), and (f) bwrap (Debian's bubblewrap, installed here if missing) with an equivalent profile:
read-only system, writable workspace, read-only .git/hooks and .git/config, private /tmp, no network.
The launcher path is also broken down into its parts (core request, backend prepare, core snapshot and
events, launch, wait, backend release, core restore and events).
Throughput: `yes | head -c N` through run_command on a pipe (1 GiB) and on a PTY (PTY_BYTES: a PTY's
line discipline runs at a few MB/s, a GiB would take minutes; PTY_SAMPLES alternated samples, medians),
each against a raw os.read loop on the same kind of channel in the same run; peak RSS growth for each.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from measure import median_ms
from ptyprocess import PtyProcess

SPAWN_RUNS = 200
PIPE_BYTES = 1 << 30
PTY_BYTES = 16 << 20
PTY_SAMPLES = 5
FAT_PARENT_MB = 200
SETTLE_S = 0.5


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


def _realistic_parent() -> None:
    """The agent imports the whole stack before it spawns anything: fork() copies all of it."""
    import vtcode_bash_runner.run_command  # noqa: F401

    import vtcode.policy.assemble
    import vtcode.runtime
    import vtcode.tools  # noqa: F401


def _workspace_sandbox(ws: Path, backend: object | None = None) -> tuple[object, object]:
    from vtcode_landlock.backend import LandlockBackend

    from vtcode.config.models import SandboxConfig
    from vtcode.events import EventBus
    from vtcode.sandbox import WorkspaceSandbox

    bus = EventBus()
    return WorkspaceSandbox(backend or LandlockBackend(), SandboxConfig(), ws, bus), bus  # type: ignore[arg-type]


def _per_command(box: Any, bus: Any, ws: Path, served: bool) -> Callable[[], None]:
    """The agent's whole path for one command: request, prepare (+ snapshot), spawn, wait, release.
    `served`: through `prepared.launch` (the launcher or the fork server, as the backend chose)."""

    def run() -> None:
        prepared = box.prepare(box.request(["/bin/true"], str(ws)))
        if served:
            assert prepared.launch is not None, prepared.enforced
            code = prepared.launch(stdout=None, stderr=None).wait()
        else:
            code = subprocess.run(list(prepared.argv), cwd=prepared.cwd, env=prepared.env, check=False,
                                  preexec_fn=prepared.preexec_fn, pass_fds=prepared.pass_fds).returncode
        assert code == 0
        prepared.release()
        bus.history.clear()

    return run


def _spawn_set(ws: Path, runs: int) -> dict[str, float]:
    from vtcode_landlock.backend import LandlockBackend
    from vtcode_landlock.cache import RulesCache

    uncached_backend = LandlockBackend(fork_server=False, launcher=False)
    uncached_backend.rules_cache = RulesCache(max_age_s=0)  # rebuilt for every command: the old path
    server_box, server_bus = _workspace_sandbox(ws, LandlockBackend(launcher=False))
    box, bus = _workspace_sandbox(ws)
    old_box, old_bus = _workspace_sandbox(ws, uncached_backend)
    probe = box.prepare(box.request(["/bin/true"], str(ws)))  # type: ignore[attr-defined]
    assert probe.enforced[-1] == "spawn:launcher", probe.enforced
    probe.release()
    figures = {
        "bare": median_ms(lambda: subprocess.run(["/bin/true"], check=True), runs),
        "uncached direct": median_ms(_per_command(old_box, old_bus, ws, served=False), runs // 4),
        "cached direct": median_ms(_per_command(server_box, server_bus, ws, served=False), runs),
        "cached fork server": median_ms(_per_command(server_box, server_bus, ws, served=True), runs),
        "cached launcher": median_ms(_per_command(box, bus, ws, served=True), runs),
    }
    server_box._backend.close()  # type: ignore[attr-defined]
    box._backend.close()  # type: ignore[attr-defined]
    return figures


def _breakdown(ws: Path, runs: int) -> dict[str, float]:
    """Medians of each part of the launcher path: where the per-command milliseconds go."""
    box, bus = _workspace_sandbox(ws)
    backend: Any = box._backend  # type: ignore[attr-defined]
    parts: dict[str, list[float]] = {k: [] for k in (
        "core request", "backend prepare", "core snapshot + sandbox.applied", "launch (spawn to exec)",
        "wait", "backend release", "core restore + events")}
    for _ in range(runs + 5):
        t0 = time.perf_counter()
        request = box.request(["/bin/true"], str(ws))  # type: ignore[attr-defined]
        t1 = time.perf_counter()
        inner = backend.prepare(request)
        t2 = time.perf_counter()
        inner.release()
        t3 = time.perf_counter()
        prepared = box.prepare(request)  # type: ignore[attr-defined]
        t4 = time.perf_counter()
        proc = prepared.launch(stdout=None, stderr=None)
        t5 = time.perf_counter()
        proc.wait()
        t6 = time.perf_counter()
        prepared.release()
        t7 = time.perf_counter()
        bus.history.clear()  # type: ignore[attr-defined]
        backend_prepare, backend_release = t2 - t1, t3 - t2
        for name, value in (("core request", t1 - t0), ("backend prepare", backend_prepare),
                            ("core snapshot + sandbox.applied", t4 - t3 - backend_prepare),
                            ("launch (spawn to exec)", t5 - t4), ("wait", t6 - t5),
                            ("backend release", backend_release),
                            ("core restore + events", t7 - t6 - backend_release)):
            parts[name].append(value * 1000)
    backend.close()
    return {k: statistics.median(v[5:]) for k, v in parts.items()}


def _spawn_figures(ws: Path) -> bool:
    _realistic_parent()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    fig = _spawn_set(ws, SPAWN_RUNS)
    bare = fig["bare"]
    print(f"parent: the vtcode stack imported, peak RSS {rss:.0f} MB; medians over {SPAWN_RUNS} runs")
    for name, ms in fig.items():
        print(f"- /bin/true {name}: {ms:.2f} ms (+{ms - bare:.2f} ms, {ms / bare:.1f}x bare)")
    print("  launcher path, by part (medians, each measured alone):")
    for name, ms in _breakdown(ws, SPAWN_RUNS).items():
        print(f"    {name}: {ms:.2f} ms")
    ours = fig["cached launcher"]
    ok = ours - bare <= 4.0
    print(f"  launcher path within 4 ms of bare: {'ok' if ok else 'MISSED'} (+{ours - bare:.2f} ms)")
    ballast = bytearray(FAT_PARENT_MB << 20)  # an agent with a long conversation and caches in memory
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])
    fat = _spawn_set(ws, SPAWN_RUNS // 2)
    print(f"parent with +{FAT_PARENT_MB} MB touched (fork cost grows with it), over {SPAWN_RUNS // 2} runs:")
    for name, ms in fat.items():
        print(f"- /bin/true {name}: {ms:.2f} ms (+{ms - fat['bare']:.2f} ms)")
    del ballast
    bwrap = _ensure_bwrap()
    if bwrap is None:
        print("- bwrap: not installed and could not be installed: MISSED (no comparison)")
        return False
    argv = _bwrap_argv(bwrap, str(ws))
    subprocess.run(argv, check=True)
    # The targets are judged on blocks of samples taken in turn (bare, launcher, bwrap, bare...): the
    # machine is shared, and load that comes and goes must hit all three alike.
    box, bus = _workspace_sandbox(ws)
    backend: Any = box._backend  # type: ignore[attr-defined]
    request = box.request(["/bin/true"], str(ws))  # type: ignore[attr-defined]

    def spawn_only() -> None:
        """What bwrap does, and only that: confine, spawn, wait, clean up (no audit events, no snapshot
        of protected paths: the agent's own bookkeeping, which a bwrap-based agent would add too)."""
        prepared = backend.prepare(request)
        assert prepared.launch is not None, prepared.enforced
        assert prepared.launch(stdout=None, stderr=None).wait() == 0
        prepared.release()

    alt = _alternated({
        "bare": lambda: subprocess.run(["/bin/true"], check=True),
        "launcher": _per_command(box, bus, ws, served=True),
        "spawn": spawn_only,
        "bwrap": lambda: subprocess.run(argv, check=True),
    }, SPAWN_RUNS)
    backend.close()
    bwrap_ms, ours, spawn, bare = alt["bwrap"], alt["launcher"], alt["spawn"], alt["bare"]
    faster = bwrap_ms / spawn
    within = ours - bare <= 4.0
    print(f"- blocks in turn, medians over {SPAWN_RUNS}: bare {bare:.2f} ms, sandboxed spawn {spawn:.2f} ms, "
          f"the agent's whole per-command path {ours:.2f} ms (+{ours - bare:.2f} ms over bare; target "
          f"within 4 ms: {'ok' if within else 'MISSED'}), bwrap {bwrap_ms:.2f} ms")
    print(
        f"- bwrap, equivalent profile: {bwrap_ms:.2f} ms = {faster:.2f}x our sandboxed spawn "
        f"(target >= 2x: {'ok' if faster >= 2 else 'MISSED'}); {bwrap_ms / ours:.2f}x the whole per-command "
        f"path with its audit events and protected-path snapshot (reported)"
    )
    return ok and within and faster >= 2


def _alternated(funcs: dict[str, Callable[[], object]], runs: int, rounds: int = 8) -> dict[str, float]:
    """Median ms of each function, sampled in blocks taken in turn (in a rotating order), so that load
    drifting on a shared machine hits every one alike. Each block runs back to back after a warm-up call
    and is followed by a pause: work the kernel defers past a process's exit (tearing down bwrap's
    network namespace) is then charged to the block that caused it, not to the next one."""
    samples: dict[str, list[float]] = {name: [] for name in funcs}
    names = list(funcs)
    for round_ in range(rounds):
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:  # rotated: no fixed neighbour
            func = funcs[name]
            func()
            for _ in range(max(1, runs // rounds)):
                start = time.perf_counter()
                func()
                samples[name].append((time.perf_counter() - start) * 1000)
            time.sleep(SETTLE_S)
    return {name: statistics.median(values) for name, values in samples.items()}


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
    from vtcode.tools.call_context import CallContext
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
    raw_ptys, ptys, pty_rss = [], [], 0.0
    for _ in range(PTY_SAMPLES):  # alternated, so drift on a shared machine hits both alike
        raw_ptys.append(_raw_pty_mb_s(PTY_BYTES))
        rate, growth = _tool_mb_s(ws, PTY_BYTES, terminal=True)
        ptys.append(rate)
        pty_rss = max(pty_rss, growth)
    raw_pty, pty = statistics.median(raw_ptys), statistics.median(ptys)
    ok_pipe, ok_pty = pipe >= 150, pty >= 0.8 * raw_pty
    print(
        f"- pipe, run_command `yes | head -c 1G`: {pipe:.0f} MB/s = {pipe / raw_pipe:.2f}x raw pipe "
        f"read loop ({raw_pipe:.0f} MB/s)  target >= 150 MB/s: {'ok' if ok_pipe else 'MISSED'}"
    )
    print(
        f"- PTY, run_command `yes | head -c {PTY_BYTES >> 20}M`, median of {PTY_SAMPLES}: {pty:.1f} MB/s = "
        f"{pty / raw_pty:.2f}x raw PTY os.read loop ({raw_pty:.1f} MB/s)  "
        f"target >= 0.8x: {'ok' if ok_pty else 'MISSED'}"
    )
    tool_s, raw_s = ", ".join(f"{x:.1f}" for x in ptys), ", ".join(f"{x:.1f}" for x in raw_ptys)
    print(f"  samples MB/s: tool {tool_s}; raw {raw_s}")
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

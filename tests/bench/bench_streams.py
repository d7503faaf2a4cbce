"""Memory under a 1 GB stream: peak RSS growth of `vtcode exec` against a well-behaved short answer.

A server on 127.0.0.1 offers 1 GB four ways: SSE comments (read to the end: comments are dropped as they
come), text deltas, tool-call argument fragments and one endless line (each cut off at the reply cap). The
baseline is the same `vtcode exec` getting a two-word answer, measured in the same run; the figure is the
median over the runs of (peak RSS under the flood - peak RSS of the baseline). Target: < 100 MB.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from helpers.hostile_server import HostileServer
from installed import wheel_vtcode

GB = 1 << 30
TARGET_MB = 100.0
RUNS = 3


def _peak_rss_mb(mode: str, home: Path) -> tuple[float, int, int]:
    """(peak RSS in MB, bytes the server sent, exit status) of one `vtcode exec`."""
    workspace = home / "ws"
    workspace.mkdir(exist_ok=True)
    env = {**os.environ, "VTCODE_AUDIT_DIR": str(home / "audit"), "VTCODE_CONFIG_DIR": str(home / "config"),
           "VTCODE_CACHE_DIR": str(home / "cache"), "VTCODE_DATA_DIR": str(home / "data")}
    with HostileServer(mode, total=GB, seconds=300) as server:
        argv = [wheel_vtcode(), "exec", "--provider", "openai-compat", "--base-url", server.base_url,
                "--model", "stub-model", "--workspace", str(workspace), "-c", "providers.retries=0",
                "-c", "agent.max_wall_time_s=300", "go"]
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        server.finished.wait(30)
        return usage.ru_maxrss / 1024, server.sent, proc.returncode


def run() -> bool:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        baseline = statistics.median(_peak_rss_mb("ok", home)[0] for _ in range(RUNS))
        print(f"- baseline: peak RSS {baseline:.1f} MB (a two-word answer)")
        for mode in ("comments", "text", "arguments", "line", "names", "datalines"):
            samples = [_peak_rss_mb(mode, home) for _ in range(RUNS)]
            growth = statistics.median(rss - baseline for rss, _, _ in samples)
            sent = statistics.median(s for _, s, _ in samples) / (1 << 20)
            statuses = sorted({status for _, _, status in samples})
            met = growth < TARGET_MB
            ok &= met
            print(f"- {mode}: peak RSS +{growth:.1f} MB over the baseline ({growth / baseline:.2f}x of it); "
                  f"server sent {sent:.0f} MB of 1024 offered; exit {statuses}  "
                  f"target < {TARGET_MB:.0f} MB: {'ok' if met else 'MISSED'}")
    return ok

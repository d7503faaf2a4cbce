"""An agent that starts one sandboxed command and then waits to be killed: the agent-death invariant.

`python agent_death.py WORKSPACE SPAWN REPORT [thread]` starts, through the core's WorkspaceSandbox and the
landlock backend on one spawn path (launcher, fork-server, direct), a command that leaves behind every
kind of process that could outlive its agent (PAYLOAD), waits until they all run, writes REPORT (JSON:
`{"enforced": [...], "pids": {...}, "attack": ...}`, by rename) and sleeps until it is killed. The test
kills it with a real signal and checks /proc: every process of the command must be gone within a second.

With `thread`, the command is started from a short-lived thread that exits before the line is printed:
PR_SET_PDEATHSIG fires on the spawning *thread's* exit, which must not stop a command while the agent
lives. It runs as root or, copied next to the packages, as a spare uid (test_agent_death.py).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

# Each long-lived process writes its pid under ./pids; ./ready appears once all of them run.
# - a double-forked daemon that ignores TERM, HUP and INT (re-parented to the supervisor, the subreaper);
# - a setsid'd loop, a nohup'd loop, a Python double fork with setsid and closed fds;
# - a spawner that keeps starting new setsid'd processes (some start just as the agent dies);
# - an attacker, orphaned like a daemon, that tries to stop, kill and ptrace its new parent (the
#   supervisor) and writes what the kernel answered to ./attack.
PAYLOAD = r"""
mkdir -p pids
loop='trap "" TERM HUP INT; echo $$ > pids/$1; while :; do sleep 0.05; done'
( ( trap '' TERM HUP INT; exec sh -c "$loop" sh double ) & ) &
setsid sh -c "$loop" sh setsid &
nohup sh -c "$loop" sh nohup >/dev/null 2>&1 &
python3 -c '
import os, signal, time
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(s, signal.SIG_IGN)
os.closerange(0, 3)
open("pids/python", "w").write(str(os.getpid()))
while True:
    time.sleep(0.05)
' &
sh -c 'echo $$ > pids/spawner; while :; do setsid sh -c "trap \"\" TERM HUP; sleep 30" & sleep 0.02; done' &
python3 -c '
import os, signal, time
if os.fork():
    os._exit(0)
time.sleep(0.3)  # orphaned by now: the parent is the supervisor
parent, results = os.getppid(), []
for name in ("SIGSTOP", "SIGKILL"):
    try:
        os.kill(parent, getattr(signal, name))
        results.append(name + ":sent")
    except OSError as exc:
        results.append(name + ":" + str(exc.errno))
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
done = libc.ptrace(16, parent, 0, 0)  # PTRACE_ATTACH
results.append("PTRACE:" + ("sent" if done == 0 else str(ctypes.get_errno())))
open("attack", "w").write(" ".join(results) + " parent=" + str(parent))
open("pids/attacker", "w").write(str(os.getpid()))
while True:
    time.sleep(0.05)
' &
while [ "$(ls pids | wc -l)" -lt 6 ] || [ ! -e attack ]; do sleep 0.02; done
touch ready
trap '' TERM HUP INT
while :; do sleep 0.05; done
"""
EXPECTED = ("double", "setsid", "nohup", "python", "spawner", "attacker")


def start(ws: Path, spawn: str) -> tuple[Any, list[str]]:
    """The command through the agent's own path (WorkspaceSandbox -> landlock backend -> starter)."""
    from vtcode_landlock.backend import LandlockBackend

    from vtcode.config.models import SandboxConfig
    from vtcode.events import EventBus
    from vtcode.sandbox.workspace import WorkspaceSandbox

    backend = LandlockBackend(launcher=spawn == "launcher", fork_server=spawn == "fork-server")
    box = WorkspaceSandbox(backend, SandboxConfig(mode="workspace-write"), ws, EventBus())
    prepared = box.prepare(box.request(["/bin/sh", "-c", PAYLOAD], str(ws)))
    proc = prepared.start(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (backend, box, prepared, proc), list(prepared.enforced)


def _report(path: Path, data: dict[str, Any]) -> None:
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(data))
    temp.rename(path)


def main(argv: list[str]) -> int:
    # The agent under test has no handler for these signals and dies by them. A disposition inherited from
    # whoever started the test run (`nohup` ignores SIGHUP) must not make it survive its hangup.
    for inherited in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
        signal.signal(inherited, signal.SIG_DFL)
    ws, spawn, report = Path(argv[1]), argv[2], Path(argv[3])
    held: list[Any] = []
    if len(argv) > 4 and argv[4] == "thread":
        worker = threading.Thread(target=lambda: held.append(start(ws, spawn)))
        worker.start()
        worker.join()  # the spawning thread has exited: its PDEATHSIG has fired
    else:
        held.append(start(ws, spawn))
    keep, enforced = held[0]
    deadline = time.monotonic() + 30
    while not (ws / "ready").exists():
        if time.monotonic() > deadline or keep[3].poll() is not None:
            _report(report, {"enforced": enforced, "error": "the payload never got ready",
                              "status": keep[3].poll()})
            return 1
        time.sleep(0.02)
    time.sleep(0.2)  # the spawner has started more; a thread-exit PDEATHSIG would have acted by now
    pids = {name: int((ws / "pids" / name).read_text()) for name in EXPECTED}
    _report(report, {"enforced": enforced, "pids": pids, "command": keep[3].pid,
                     "attack": (ws / "attack").read_text()})
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

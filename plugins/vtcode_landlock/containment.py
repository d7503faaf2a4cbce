"""Every process a command starts, tracked in a cgroup so all of them can be counted and killed.

A process group is not enough: a daemon calls setsid() and leaves it, and RLIMIT_NPROC does not bind a
root agent's children at all (the kernel exempts uid 0). A cgroup holds every descendant whatever it
does, and its pids controller caps a fork bomb for root too. The child joins in preexec by writing "0"
to an fd the parent opened, before it is confined; Landlock then keeps it from writing any cgroup file,
so it cannot leave. Where no cgroup can be created (an unprivileged user without a delegated cgroup v2
subtree) the fallback is the process group plus RLIMIT_NPROC, and `kind` says so.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import threading
import time
from dataclasses import dataclass

CGROUP_ROOT = "/sys/fs/cgroup"
_counter = itertools.count()


@dataclass
class Containment:
    """A cgroup directory (or none) and the fd of its cgroup.procs that the child writes itself into."""

    kind: str  # "cgroup-v2", "cgroup-v1-pids" or "process-group"
    path: str | None = None
    procs_fd: int | None = None
    max_processes: int | None = None
    # The command's supervisor (the process the caller started: it leads the command's session and
    # process group). Set once the child exists: by the launch, or by the child itself (see leader_pipe).
    leader: int | None = None
    leader_pipe: int | None = None  # read end of a pipe the direct path's child writes its pid into
    leader_pipe_w: int | None = None

    def open_leader_pipe(self) -> int:
        """A pipe for the direct path (the caller forks): the child writes its pid, the parent reads it at
        release. Returns the write end, which the child must inherit."""
        self.close_leader_pipe()
        self.leader_pipe, self.leader_pipe_w = os.pipe2(os.O_CLOEXEC | os.O_NONBLOCK)
        return self.leader_pipe_w

    def close_leader_pipe(self) -> None:
        for fd in (self.leader_pipe, self.leader_pipe_w):
            if fd is not None:
                os.close(fd)
        self.leader_pipe = self.leader_pipe_w = None

    @property
    def pass_fds(self) -> tuple[int, ...]:
        return () if self.procs_fd is None else (self.procs_fd,)

    def join(self) -> None:
        """In the child, before exec: move the calling process into the cgroup."""
        if self.procs_fd is not None:
            os.write(self.procs_fd, b"0")

    def members(self) -> list[int]:
        if self.path is None:
            return []
        try:
            with open(os.path.join(self.path, "cgroup.procs"), encoding="ascii") as f:
                return [int(line) for line in f if line.strip()]
        except OSError:
            return []

    def stop_supervisor(self, timeout_s: float = 1.0) -> None:
        """Ask the command's supervisor to kill every descendant (SIGTERM to the process group: it is the
        group's leader), and give it `timeout_s` to do so. Without this, a SIGKILL to the group would
        kill the supervisor first, and a daemon that left the group (setsid) would be re-parented to init.
        """
        leader = self._leader()
        if leader is None:
            return
        try:
            os.killpg(leader, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and _running(leader):
            time.sleep(0.002)

    def _leader(self) -> int | None:
        if self.leader is None and self.leader_pipe is not None:
            try:
                data = os.read(self.leader_pipe, 4)
            except OSError:
                data = b""
            if len(data) == 4:
                self.leader = int.from_bytes(data, "little")
        return self.leader if self.leader is not None and self.leader > 1 else None

    def kill_all(self) -> int:
        """Stop the supervisor, then SIGKILL every process still in the cgroup (or the process group);
        returns how many were."""
        if self.path is None:
            alive = self._leader() is not None and _running(self._leader() or 0)
            self.stop_supervisor()
            return max(_kill_group(self._leader()), int(alive))
        killed: set[int] = set(self.members())  # what is alive now, whoever ends up killing it
        self.stop_supervisor()
        if self.kind == "cgroup-v2" and os.path.exists(os.path.join(self.path, "cgroup.kill")):
            killed.update(self.members())
            _write(os.path.join(self.path, "cgroup.kill"), "1")
        # cgroup v1 has no cgroup.kill: kill what is listed until nothing is; pids.max bounds the race.
        for _ in range(200):
            pids = self.members()
            if not pids:
                break
            for pid in pids:
                killed.add(pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        return len(killed)

    def close(self) -> None:
        self.close_leader_pipe()
        if self.procs_fd is not None:
            os.close(self.procs_fd)
            self.procs_fd = None
        if self.path is not None:
            for _ in range(100):  # exited processes leave the cgroup once reaped
                try:
                    os.rmdir(self.path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
            self.path = None

    def describe(self) -> str:
        cap = f", pids.max={self.max_processes}" if self.max_processes and self.path else ""
        return f"processes:{self.kind}{cap}"


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text)


def _running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie (its parent may not have reaped it yet)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] not in (b"Z", b"X")


def _kill_group(pgid: int | None) -> int:
    if pgid is None or pgid <= 1:
        return 0
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return 0
    return 1


def _own_cgroup(controller: str | None) -> str | None:
    """This process's cgroup path for `controller` (None: the unified v2 hierarchy)."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if (controller is None and controllers == "") or (controller in controllers.split(",")):
            return path
    return None


def _make(parent: str) -> str | None:
    name = f"vtcode-{os.getpid()}-{next(_counter)}"
    path = os.path.join(parent, name)
    try:
        os.mkdir(path, 0o755)
    except OSError:
        return None
    return path


def _try_v2(max_processes: int | None) -> Containment | None:
    own = _own_cgroup(None)
    if own is None or not os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers")):
        return None
    path = _make(os.path.join(CGROUP_ROOT, own.lstrip("/")))
    if path is None:
        return None
    limited = None
    if max_processes is not None and os.path.exists(os.path.join(path, "pids.max")):
        _write(os.path.join(path, "pids.max"), str(max_processes))
        limited = max_processes
    return Containment(
        "cgroup-v2", path, os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC), limited
    )


def _try_v1(max_processes: int | None) -> Containment | None:
    own = _own_cgroup("pids")
    base = os.path.join(CGROUP_ROOT, "pids")
    if own is None or not os.path.exists(os.path.join(base, "cgroup.procs")):
        return None
    path = _make(os.path.join(base, own.lstrip("/")))
    if path is None:
        return None
    try:
        if max_processes is not None:
            _write(os.path.join(path, "pids.max"), str(max_processes))
        fd = os.open(os.path.join(path, "cgroup.procs"), os.O_WRONLY | os.O_CLOEXEC)
    except OSError:
        os.rmdir(path)
        return None
    return Containment("cgroup-v1-pids", path, fd, max_processes)


class ContainmentPool:
    """Emptied cgroups kept for the next commands of a session: making one (mkdir, pids.max, open) and
    removing it cost ~0.2 ms per command. A cgroup goes back to the pool only when nothing is left in it
    (after kill_all), so a reused one holds no process of an earlier command."""

    def __init__(self, max_processes: int | None, keep: int = 4) -> None:
        self.max_processes = max_processes
        self.keep = keep
        self._idle: list[Containment] = []
        self._lock = threading.Lock()

    def take(self) -> Containment:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return open_containment(self.max_processes)

    def give_back(self, cage: Containment) -> None:
        """After kill_all: keep an empty cgroup for reuse, close anything else."""
        cage.leader = None
        cage.close_leader_pipe()
        if cage.path is not None and cage.procs_fd is not None and not cage.members():
            with self._lock:
                if any(idle is cage for idle in self._idle):
                    return
                if len(self._idle) < self.keep:
                    self._idle.append(cage)
                    return
        cage.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for cage in idle:
            cage.close()


def open_containment(max_processes: int | None) -> Containment:
    """A fresh cgroup for one command, or the process-group fallback when none can be made here."""
    for attempt in (_try_v2, _try_v1):
        try:
            found = attempt(max_processes)
        except OSError:
            found = None
        if found is not None:
            return found
    return Containment("process-group", max_processes=max_processes)

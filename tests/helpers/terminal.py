"""A real terminal for the tests that use vtcode as a person does: the program runs in a pseudo-terminal
(ptyprocess), keys are the bytes a terminal sends, and the screen is read continuously on a thread of its own
(a full pty buffer would block the program under test, as a terminal nobody reads would)."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from ptyprocess import PtyProcess

# What a terminal sends for each key (xterm); Textual reads the same.
KEYS: dict[str, bytes] = {
    **{f"ctrl+{c}": bytes([ord(c) - ord("a") + 1]) for c in "abcdefghijklmnopqrstuvwxyz"},
    "escape": b"\x1b",
    "enter": b"\r",
    "f1": b"\x1bOP",
    "question_mark": b"?",
    "tab": b"\t",
}


def vtcode_bin() -> str:
    """The `vtcode` script of the environment running the tests (the installed wheel under tox)."""
    script = Path(sys.executable).parent / "vtcode"
    return str(script) if script.exists() else shutil.which("vtcode") or "vtcode"


class Terminal:
    def __init__(self, argv: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> None:
        environment = {**os.environ, "TERM": "xterm-256color", **(env or {})}
        self.proc = PtyProcess.spawn(argv, cwd=str(cwd), env=environment, dimensions=(36, 120))
        self._screen = bytearray()
        self._reaped = False
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return int(self.proc.pid)

    def output(self) -> bytes:
        with self._lock:
            return bytes(self._screen)

    def wait_for(self, marker: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while marker not in self.output():
            if time.monotonic() > deadline or not self.proc.isalive():
                tail = self.output()[-600:]
                raise AssertionError(f"{marker!r} never appeared (alive={self.proc.isalive()}): {tail!r}")
            time.sleep(0.05)

    def press(self, key: str) -> None:
        self.proc.write(KEYS.get(key, key.encode()))

    def type(self, text: str) -> None:
        self.proc.write(text.encode())

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def hang_up(self) -> None:
        """Close the terminal the way a window closing does: the master side goes away and the kernel
        sends SIGHUP to the program, whose reads and writes fail from then on."""
        self.proc.fileobj.close()

    def wait_exit(self, timeout: float) -> tuple[int | None, int | None]:
        """(exit status, signal) once the process ended; AssertionError if it is still running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.proc.terminated = True
                self._reaped = True
                code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
                return code, sig
            time.sleep(0.02)
        raise AssertionError(f"still running {timeout} s later; screen: {self.output()[-600:]!r}")

    def kill(self) -> None:
        """SIGKILL the program unless it already ended (its pid may belong to another process by now)."""
        if self._reaped:
            return
        self._reaped = True
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def _read(self) -> None:
        fd = self.proc.fd
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        while True:
            try:
                if not poller.poll(100):
                    continue
                data = os.read(fd, 65536)
            except (OSError, ValueError):
                return
            if not data:
                return
            with self._lock:
                self._screen += data


def audit_verify(*logs: Path) -> subprocess.CompletedProcess[str]:
    """`vtcode audit verify` on the logs, as a user runs it."""
    return subprocess.run(
        [vtcode_bin(), "audit", "verify", *map(str, logs)], capture_output=True, text=True, timeout=60
    )

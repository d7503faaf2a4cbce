"""`vtcode` (the TUI) on a real pty, its output kept as a screen text to match: the harness the TUI's pty
tests share (model loading, checkpoints, the servers screen)."""

from __future__ import annotations

import os
import select
import sys
import time
from pathlib import Path

from ptyprocess import PtyProcess

VTCODE = str(Path(sys.executable).parent / "vtcode")


class Terminal:
    """`vtcode` in a pty; `screen` is everything it wrote, escape codes removed for matching."""

    def __init__(self, workspace: Path, audit: Path, env: dict[str, str] | None = None,
                 dimensions: tuple[int, int] = (36, 140)) -> None:
        env = {**os.environ, "TERM": "xterm-256color", "VTCODE_AUDIT_DIR": str(audit), **(env or {})}
        self.proc = PtyProcess.spawn([VTCODE], cwd=str(workspace), env=env, dimensions=dimensions)
        self.raw = b""

    @property
    def screen(self) -> str:
        import re

        text = self.raw.decode("utf-8", "replace")
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]", "", text)

    def read_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if select.select([self.proc.fd], [], [], 0.05)[0]:
                try:
                    self.raw += os.read(self.proc.fd, 65536)
                except OSError:
                    return

    def wait_for(self, text: str, timeout: float = 30, since: int = 0) -> None:
        """Until TEXT appears in the screen text from offset SINCE on (what was written after a key)."""
        end = time.monotonic() + timeout
        while text not in self.screen[since:].replace("\n", ""):
            if time.monotonic() > end or not self.proc.isalive():
                raise AssertionError(f"{text!r} never appeared; last output: {self.screen[-1500:]!r}")
            self.read_for(0.1)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.proc.write(key.encode())
            self.read_for(0.3)

    def close(self) -> None:
        """Quitting is tests/tui's business elsewhere; here the terminal just goes away (SIGHUP, as when
        a person closes the window), then SIGKILL if it lingers."""
        if self.proc.isalive():
            self.proc.terminate(force=True)

"""`vtcode audit tail` never replays recorded escape sequences to the auditor's terminal: the log keeps the
exact text (it is evidence), the replay shows it as visible escapes, `--json` stays the same JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyte
from helpers.audit_logs import audit_bus, decision

VTCODE = str(Path(sys.executable).parent / "vtcode")
HOSTILE = "ls # \x1b[2K\r\x1b]52;c;cm0gLXJm\x07\x1b]0;title\x07\x9b2K\u202eexe.txt\u200b"


def _log(tmp_path: Path) -> Path:
    bus, _ = audit_bus(tmp_path / "audit")
    bus.start({"workspace": "/w"})
    bus.emit("policy.decision", decision(HOSTILE, "prompt"))
    bus.emit("llm.reasoning", {"text": f"thinking {HOSTILE}"})
    bus.emit("error", {"message": HOSTILE})
    bus.close()
    [log] = (tmp_path / "audit").glob("*.jsonl")
    assert "\\u001b[2K" in log.read_text()  # the log itself holds the exact command (as JSON escapes)
    return log


def test_tail_shows_recorded_escapes_as_text(tmp_path: Path) -> None:
    log = _log(tmp_path)
    result = subprocess.run([VTCODE, "audit", "tail", str(log)], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\u200b", "\r"):
        assert raw not in out, repr(raw)
    screen = pyte.Screen(300, 20)
    pyte.ByteStream(screen).feed(result.stdout.replace(b"\n", b"\r\n"))
    lines = [line.rstrip() for line in screen.display]
    assert sum("ls # \\x1b[2K\\r\\x1b]52;c;cm0gLXJm\\x07" in line for line in lines) >= 2, lines


def test_tail_json_is_the_same_json_and_inert(tmp_path: Path) -> None:
    log = _log(tmp_path)
    result = subprocess.run([VTCODE, "audit", "tail", "--json", str(log)], capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\u200b"):
        assert raw not in out, repr(raw)
    events = [json.loads(line) for line in out.splitlines()]
    shells = [e["payload"]["action"]["shell"] for e in events if e["type"] == "policy.decision"]
    assert shells == [HOSTILE]  # the same value, escaped only in its spelling

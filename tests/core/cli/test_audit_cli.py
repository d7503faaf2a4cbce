"""`vtcode audit verify|tail|replay` as a script uses them: a real process, real logs."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from helpers.audit_logs import audit_bus, decision, write_session

VTCODE = str(Path(sys.executable).parent / "vtcode")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([VTCODE, "audit", *args], text=True, capture_output=True, env=env, timeout=60)


def test_verify_ok_and_tampered_exit_codes(tmp_path: Path) -> None:
    good = write_session(tmp_path / "a", 5)
    result = run("verify", str(good))
    assert (
        result.returncode == 0
        and result.stdout == f"{good}: ok: 7 events (seq 0..6), session s1, closed by session.ended\n"
        "  anchor: verified: seq 6 is the head this user's session anchored at its close\n"
    )
    bad = write_session(tmp_path / "b", 5, session="s2")
    lines = bad.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b'"bytes":2', b'"bytes":9')
    bad.write_bytes(b"".join(lines))
    result = run("verify", "--json", str(good), str(bad))
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["ok"] is False
    assert [log["status"] for log in report["logs"]] == ["ok", "tampered"]
    assert report["logs"][1]["first_bad_seq"] == 3
    text = run("verify", str(bad)).stdout
    assert "TAMPERED: first bad seq 3" in text and "(edited)" in text


def test_verify_never_crashes_on_garbage(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(os.urandom(3000) + b'\n{"a": 1}\n\xff\n')
    result = run("verify", str(junk))
    assert result.returncode == 1 and "corrupted" in result.stdout and "Traceback" not in result.stderr


def test_tail_shows_the_newest_events_of_the_latest_session(tmp_path: Path) -> None:
    write_session(tmp_path, 5)
    env_dir = str(tmp_path)
    result = subprocess.run(
        [VTCODE, "audit", "tail", "-n", "2"],
        text=True,
        capture_output=True,
        timeout=60,
        env={**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, "VTCODE_AUDIT_DIR": env_dir},
    )
    assert result.returncode == 0, result.stderr
    rows = result.stdout.splitlines()
    assert len(rows) == 2 and "tool.finished" in rows[0] and "session.ended" in rows[1]


def test_tail_follow_prints_new_events_until_the_session_ends(tmp_path: Path) -> None:
    bus, sink = audit_bus(tmp_path)
    bus.start({})
    sink.flush()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    follower = subprocess.Popen(
        [VTCODE, "audit", "tail", "-f", "-n", "1", "--json", str(tmp_path / "s1.jsonl")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert follower.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in follower.stdout], daemon=True).start()

    def next_type() -> str:
        return str(json.loads(lines.get(timeout=30))["type"])  # a follower that stalls fails, never hangs

    try:
        assert next_type() == "session.started"
        bus.emit("policy.decision", decision("ls"))
        assert next_type() == "policy.decision"
        bus.close()
        assert next_type() == "session.ended"
        assert follower.wait(10) == 0
    finally:
        follower.kill()
        follower.wait()


def test_replay_lists_decisions_that_another_policy_changes(tmp_path: Path, workspace: Path) -> None:
    bus, _ = audit_bus(tmp_path)
    bus.start({})
    bus.emit("workspace.trust", {"root": str(workspace), "trusted": False, "reason": "no marker"})
    for tool, verdict in (("read_file", "allow"), ("list_dir", "allow")):
        bus.emit(
            "policy.decision",
            {
                "call_id": tool,
                "action": {"kind": "tool", "tool": tool, "path": "."},
                "decision": verdict,
                "reason": "recorded",
            },
        )
    bus.close()
    stricter = tmp_path / "strict.toml"
    stricter.write_text('[tools.policies]\nread_file = "deny"\n')
    result = run("replay", str(tmp_path / "s1.jsonl"), "--policy", str(stricter), "--json")
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["decisions"] == 2 and answer["workspace"] == str(workspace)
    [change] = answer["changes"]
    assert (change["seq"], change["recorded"], change["now"], change["call_id"]) == (
        2,
        "allow",
        "deny",
        "read_file",
    )
    text = run("replay", str(tmp_path / "s1.jsonl"), "--policy", str(stricter)).stdout
    assert text.endswith(f"1 of 2 recorded decisions would change under {stricter}\n")

"""The anchor outside the log: a log rewritten and re-hashed end to end, cut short, or grown after its
close is named by `audit verify` on the machine where the session ran. Real logs from the real bus and
jsonl sink; the attacks recompute every hash, as someone who knows the format would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers.audit_logs import audit_bus, decision, write_session
from vtcode_hookspecs import chain_hash

from vtcode.audit import verify_logs
from vtcode.audit.verify import LogReport
from vtcode.events.anchor import SLOT, anchor_path, key_path, read_anchor
from vtcode.workspace import Jail


def one(path: Path) -> LogReport:
    [report] = verify_logs([path])
    return report


def rehashed(events: list[dict[str, object]]) -> bytes:
    """`events` renumbered from seq 0 and re-chained: every hash and link recomputed."""
    out = []
    prev = None
    for seq, event in enumerate(events):
        event = {k: v for k, v in event.items() if k != "hash"} | {"seq": seq, "prev_hash": prev}
        body = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        prev = chain_hash(body)
        out.append(body[:-1] + f',"hash":"{prev}"}}\n'.encode())
    return b"".join(out)


def events_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_an_untouched_log_verifies_against_its_anchor(tmp_path: Path) -> None:
    report = one(write_session(tmp_path))
    assert report.status == "ok"
    assert report.anchor.startswith("verified: seq 11 ") and report.anchor.endswith("at its close")


def test_a_rehashed_log_passes_the_chain_but_not_the_anchor(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    events = events_of(path)
    dropped = [e for e in events if "echo 3" not in json.dumps(e)]  # the decision to hide
    path.write_bytes(rehashed(dropped))
    saved = anchor_path("s1").read_bytes()
    anchor_path("s1").unlink()
    assert one(path).status == "ok"  # the chain alone cannot tell: this is the hole
    anchor_path("s1").write_bytes(saved)
    report = one(path)
    assert report.status == "tampered"
    assert any("re-hashed" in f.message or "truncated" in f.message for f in report.findings), report.findings


def test_a_rehashed_log_of_the_same_length_is_named(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    events = events_of(path)
    events[4]["payload"] = decision("ls", call_id="c3")
    path.write_bytes(rehashed(events))
    report = one(path)
    assert report.status == "tampered"
    assert [f.seq for f in report.findings] == [11] and "re-hashed" in report.findings[0].message


def test_a_truncated_log_is_named(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    path.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:-3]))
    report = one(path)
    assert report.status == "tampered"
    assert "truncated: this session anchored seq 11, the log ends at seq 8" in report.findings[0].message


def test_events_added_after_the_close_are_named(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    events = events_of(path)
    ended = events.pop()
    events += [dict(events[4]), ended]
    path.write_bytes(rehashed(events))
    report = one(path)
    assert report.status == "tampered"


def _slots(session: str) -> list[dict[str, object]]:
    raw = anchor_path(session).read_bytes()
    return [json.loads(raw[i : i + SLOT]) for i in range(0, len(raw), SLOT)]


def _write_slots(session: str, slots: list[dict[str, object]]) -> None:
    anchor_path(session).write_bytes(b"".join(json.dumps(s).encode().ljust(SLOT - 1) + b"\n" for s in slots))


def test_a_forged_anchor_does_not_verify(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    _write_slots("s1", [slot | {"seq": 5} for slot in _slots("s1")])  # moved back without the key
    assert "forged" in (read_anchor("s1").problem or "")
    assert one(path).status == "tampered"


def test_a_slot_torn_by_a_crash_falls_back_to_the_other(tmp_path: Path) -> None:
    bus, _ = audit_bus(tmp_path)
    bus.start({"workspace": str(tmp_path)})
    first = bus.emit("policy.decision", decision("ls"))
    bus.emit("policy.decision", decision("pwd"))
    raw = bytearray(anchor_path("s1").read_bytes())
    newest = 1 if json.loads(raw[SLOT:]).get("seq", -1) > json.loads(raw[:SLOT]).get("seq", -1) else 0
    raw[newest * SLOT : newest * SLOT + 40] = b"\0" * 40  # half-written
    anchor_path("s1").write_bytes(bytes(raw))
    anchor = read_anchor("s1").anchor
    assert anchor is not None and anchor.seq == first.seq


def test_a_running_session_is_anchored_at_every_security_event(tmp_path: Path) -> None:
    bus, _ = audit_bus(tmp_path)
    bus.start({"workspace": str(tmp_path)})
    event = bus.emit("policy.decision", decision("ls"))
    anchor = read_anchor("s1").anchor
    assert anchor is not None and (anchor.seq, anchor.hash, anchor.closed) == (event.seq, event.hash, False)
    bus.emit("tool.finished", {"call_id": "c", "tool": "read_file", "ok": True, "bytes": 1})
    assert read_anchor("s1").anchor == anchor  # only synced points are anchored
    bus.close()
    closed = read_anchor("s1").anchor
    assert closed is not None and closed.closed and closed.seq == event.seq + 2


def test_the_audit_key_is_private_and_a_secret_to_the_jail(tmp_path: Path, workspace: Path) -> None:
    write_session(tmp_path)
    assert key_path().stat().st_mode & 0o777 == 0o600
    assert anchor_path("s1").stat().st_mode & 0o777 == 0o600
    check = Jail(workspace).check_path(str(key_path()), write=False)
    assert check.secret and "audit key" in check.reason


def test_cli_names_the_rehashed_log(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    ok = subprocess.run([sys.executable, "-m", "vtcode", "audit", "verify", str(path)],
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "anchor: verified" in ok.stdout
    events = events_of(path)
    path.write_bytes(rehashed(events[:3] + events[-1:]))
    bad = subprocess.run([sys.executable, "-m", "vtcode", "audit", "verify", str(path)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and "TAMPERED" in bad.stdout
    assert "truncated" in bad.stdout or "re-hashed" in bad.stdout


def test_a_log_renamed_to_a_new_session_is_named(tmp_path: Path) -> None:
    """Drop an event, renumber, re-hash and give every line a new session id (and the file a new name):
    the chain links and no anchor matches the new id, but the other sessions of the directory are
    anchored, so the missing anchor is itself a finding and `audit verify` exits 1."""
    write_session(tmp_path, session="s0")  # another session of the same audit directory
    path = write_session(tmp_path, session="s1")
    events = [e for e in events_of(path) if "echo 3" not in json.dumps(e)]
    renamed = [e | {"session": "s9"} for e in events]
    forged = tmp_path / "s9.jsonl"
    forged.write_bytes(rehashed(renamed))
    path.unlink()
    report = one(forged)
    assert report.status == "tampered"
    assert "no anchor for session s9" in report.findings[0].message
    assert "renamed" in report.anchor
    done = subprocess.run([sys.executable, "-m", "vtcode", "audit", "verify", str(forged)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "no anchor for session s9" in done.stdout


def test_a_lone_session_without_anchor_stays_ok_but_says_so(tmp_path: Path) -> None:
    """With no anchored session in its directory a log cannot be judged by the anchor (another machine)."""
    path = write_session(tmp_path, session="s1")
    anchor_path("s1").unlink()
    report = one(path)
    assert report.status == "ok" and report.anchor == "none"


def test_every_session_is_anchored_from_its_first_event(tmp_path: Path) -> None:
    bus, _sink = audit_bus(tmp_path, session="s2")
    bus.start({"workspace": str(tmp_path)})
    anchor = read_anchor("s2").anchor
    assert anchor is not None and anchor.seq == 0
    assert anchor.audit_dir == str(tmp_path.resolve())
    bus.close()

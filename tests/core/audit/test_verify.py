"""`audit verify` on real logs written by the real bus and jsonl sink, then damaged the way an attacker, a
crash or a bad disk would: each damage is found and the first bad seq named."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.audit_logs import write_session
from vtcode_hookspecs import chain_hash

from vtcode.audit import verify_logs
from vtcode.audit.verify import LogReport
from vtcode.events.anchor import anchor_path


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def rewrite(path: Path, new: list[bytes]) -> None:
    path.write_bytes(b"".join(new))


def one(path: Path) -> LogReport:
    [report] = verify_logs([path])
    return report


def forge(line: bytes, **changes: object) -> bytes:
    """A line edited and re-hashed by someone who knows the format (but cannot rewrite what follows)."""
    event = json.loads(line)
    event.pop("hash")
    event.update(changes)
    body = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return body[:-1] + f',"hash":"{chain_hash(body)}"}}\n'.encode()


def test_untouched_log_verifies(tmp_path: Path) -> None:
    report = one(write_session(tmp_path, 10))
    assert (report.status, report.events, report.first_seq, report.last_seq) == ("ok", 12, 0, 11)


def test_edited_event_is_found(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    content = lines(path)
    content[4] = content[4].replace(b'"decision":"allow"', b'"decision":"deny"')
    rewrite(path, content)
    report = one(path)
    assert report.status == "tampered" and report.first_bad_seq == 4
    assert "hash does not match its content (edited)" in report.findings[0].message
    assert len(report.findings) == 1  # one edit, one finding


def test_edited_and_rehashed_event_breaks_the_next_link(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    content = lines(path)
    content[4] = forge(content[4], payload={"tool": "read_file", "ok": False})
    rewrite(path, content)
    report = one(path)
    assert report.first_bad_seq == 5 and "prev_hash does not link" in report.findings[0].message


def test_inserted_event_is_found(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    content = lines(path)
    content.insert(6, forge(content[5], id="x"))  # a copy of seq 5, re-hashed: same seq, same link
    rewrite(path, content)
    report = one(path)
    assert report.status == "tampered" and report.first_bad_seq == 5
    assert "comes after seq 5 (inserted or reordered)" in report.findings[0].message


def test_removed_event_is_found(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    content = lines(path)
    del content[3]
    rewrite(path, content)
    report = one(path)
    assert report.first_bad_seq == 3 and "seq 3..3 missing" in report.findings[0].message


def test_reordered_events_are_found(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    content = lines(path)
    content[3], content[4] = content[4], content[3]
    rewrite(path, content)
    assert one(path).first_bad_seq == 3


def test_removed_head_is_found(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    rewrite(path, lines(path)[2:])
    report = one(path)
    assert report.first_bad_seq == 0 and "starts at seq 2" in report.findings[0].message


def test_truncated_log_is_incomplete_not_tampered_without_an_anchor(tmp_path: Path) -> None:
    """Verified where the session did not run (no anchor): a cut log looks like a crash. With the anchor,
    tests/core/audit/test_anchor.py::test_a_truncated_log_is_named."""
    path = write_session(tmp_path)
    anchor_path("s1").unlink()
    rewrite(path, lines(path)[:-3])
    report = one(path)
    assert (report.status, report.last_seq, report.findings) == ("incomplete", 8, [])


def test_line_cut_mid_write_is_incomplete(tmp_path: Path) -> None:
    # A crash: the session never closed, and its last event (a tool event, after the last anchored
    # security event) was cut mid-write.
    path = write_session(tmp_path, 11, closed=False)
    content = lines(path)
    content[-1] = content[-1][:40]
    rewrite(path, content)
    report = one(path)
    assert (
        report.status == "incomplete"
        and report.partial_tail
        and "last line is incomplete" in report.partial_tail
    )
    assert report.last_seq == 10


def test_corrupted_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    content = lines(path)
    content[2] = b"\x00\xff garbage \xfe\n"
    content[6] = b"{}\n"
    content.insert(8, b"\n")
    rewrite(path, content)
    report = one(path)
    assert report.status == "tampered" and report.first_bad_seq == 2
    messages = [f.message for f in report.findings]
    assert sum("corrupted" in m for m in messages) == 3


def test_appended_after_session_ended_is_found(tmp_path: Path) -> None:
    path = write_session(tmp_path)
    content = lines(path)
    rewrite(path, [*content, forge(content[-1], seq=12, prev_hash=json.loads(content[-1])["hash"])])
    assert "after session.ended" in one(path).findings[0].message


def test_rotated_segments_verify_as_one_chain(tmp_path: Path) -> None:
    write_session(tmp_path, 300, rotate_bytes=4096)
    files = sorted(tmp_path.glob("s1*.jsonl"), reverse=True)  # given in any order
    assert len(files) > 3
    [report] = verify_logs(files)
    assert (report.status, report.events) == ("ok", 302)
    [alone] = verify_logs([tmp_path / "s1.2.jsonl"])
    assert alone.status == "tampered" and "segment" in alone.findings[0].message


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    [report] = verify_logs([tmp_path / "missing.jsonl"])
    assert report.status == "tampered" and "cannot read" in report.findings[0].message

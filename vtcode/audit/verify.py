"""`vtcode audit verify`: is this log exactly what vtcode wrote, and is it complete?

Streams each file line by line, keeping only the previous hash and a few counters, so memory does not
grow with the log. Finds edits (a hash that does not match its line), insertions, removals and reorderings
(a seq out of step, or a prev_hash that does not link), corrupted lines (not an event at all), and a
missing head. A log whose last event is not `session.ended`, or whose last line was cut mid-write, is
incomplete: a crash or a truncation, reported as such. Files of one session (rotated segments) are
checked as one chain, in the order of their first seq.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vtcode_hookspecs import chain_hash, split_line

from vtcode.errors import InvariantError
from vtcode.events.anchor import Anchor

from .lines import NotAnEvent, read_fields

MAX_FINDINGS = 20  # enough to see the shape of the damage, without holding a damaged log in memory


@dataclass
class Finding:
    file: str
    line: int
    seq: int | None
    message: str


@dataclass
class LogReport:
    files: list[str]
    session: str | None = None
    events: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    closed: bool = False
    partial_tail: str | None = None
    findings: list[Finding] = field(default_factory=list)
    more_findings: int = 0
    first_bad_seq: int | None = None
    # The anchor in this user's state (events/anchor.py): "verified up to seq N", "none", or why it failed.
    anchor: str = "none"

    @property
    def status(self) -> str:
        if self.findings:
            return "tampered"
        return "ok" if self.closed and self.partial_tail is None else "incomplete"

    def to_json(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "status": self.status,
            "session": self.session,
            "events": self.events,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "closed": self.closed,
            "partial_tail": self.partial_tail,
            "first_bad_seq": self.first_bad_seq,
            "findings": [vars(f) for f in self.findings],
            "more_findings": self.more_findings,
            "anchor": self.anchor,
        }


class _Chain:
    """The state carried from one line to the next: what the next line must say."""

    def __init__(self, report: LogReport) -> None:
        self.report = report
        self.expected_seq = 0
        self.prev_hash: str | None = None
        self.started = False
        self.anchored: Anchor | None = None  # set once the session is known, if it has an anchor here
        self.anchor_seen = False

    def anchor_line(self, file: str, lineno: int, seq: int, recorded: str) -> None:
        anchor = self.anchored
        if anchor is None or seq != anchor.seq:
            return
        self.anchor_seen = True
        if recorded != anchor.hash:
            self.problem(file, lineno, seq, f"seq {seq}: not the event this session anchored (the log was "
                                            "rewritten and re-hashed)")

    def feed(self, raw: bytes, file: str, lineno: int) -> None:
        report = self.report
        line = raw[:-1] if raw.endswith(b"\n") else raw
        if report.closed:
            self.problem(file, lineno, None, "a line after session.ended (appended or inserted)")
        split = split_line(line)
        if split is None:
            self.problem(file, lineno, None, f"corrupted: not an audit line ({_excerpt(line)})")
            return
        body, recorded = split
        try:
            fields = read_fields(body)
        except NotAnEvent as exc:
            self.problem(file, lineno, None, f"corrupted: {exc}")
            return
        seq = fields.seq
        if chain_hash(body) != recorded:
            self.problem(file, lineno, seq, f"seq {seq}: its hash does not match its content (edited)")
        if report.session is None:
            report.session = fields.session
            self.load_anchor(file, lineno)
        elif fields.session != report.session:
            self.problem(file, lineno, seq, f"seq {seq}: belongs to session {fields.session}, not this one")
        if not self.started and seq != 0:
            self.problem(
                file, lineno, 0, f"starts at seq {seq}: events 0..{seq - 1} are missing (or their segment)"
            )
        elif self.started and seq != self.expected_seq:
            if seq > self.expected_seq:
                gap = f"seq {self.expected_seq}..{seq - 1} missing here (removed or reordered)"
                self.problem(file, lineno, self.expected_seq, gap)
            else:
                gap = f"seq {seq} comes after seq {self.expected_seq - 1} (inserted or reordered)"
                self.problem(file, lineno, seq, gap)
        elif fields.prev_hash != self.prev_hash:
            link = f"seq {seq}: prev_hash does not link to the line before (inserted or replaced)"
            self.problem(file, lineno, seq, link)
        self.started = True
        self.anchor_line(file, lineno, seq, recorded)
        # Continue from what this line says, so one bad line is reported once, not at every later line.
        self.expected_seq, self.prev_hash = seq + 1, recorded
        report.events += 1
        report.first_seq = seq if report.first_seq is None else report.first_seq
        report.last_seq = seq
        if fields.type == "session.ended":
            report.closed = True

    def load_anchor(self, file: str, lineno: int) -> None:
        from vtcode.events.anchor import read_anchor

        if self.report.session is None:
            raise InvariantError("an anchored log without a session id")
        check = read_anchor(self.report.session)
        if check.problem is not None:
            self.report.anchor = check.problem
            self.problem(file, lineno, None, check.problem)
        elif check.anchor is None:
            # A log rewritten under a new session id has no anchor; the other sessions of its directory do.
            from vtcode.events.anchor import anchored_sessions

            directory = os.path.realpath(os.path.dirname(os.path.abspath(file)))
            others = anchored_sessions(directory)
            if others:
                message = (f"no anchor for session {self.report.session}, although {len(others)} other "
                           f"session(s) logged in {directory} are anchored here (renamed or re-sessioned)")
                self.report.anchor = message
                self.problem(file, lineno, None, message)
        self.anchored = check.anchor

    def finish(self) -> None:
        """What the anchor says about the end of the log: cut short, or grown after it closed."""
        anchor, report = self.anchored, self.report
        if anchor is None:
            return
        last = report.last_seq if report.last_seq is not None else -1
        where = report.files[-1] if report.files else "?"
        if last < anchor.seq:
            self.problem(where, 0, last + 1, f"truncated: this session anchored seq {anchor.seq}, the log "
                                             f"ends at seq {last}")
        elif anchor.closed and last > anchor.seq:
            self.problem(where, 0, anchor.seq + 1, f"seq {anchor.seq + 1}..{last} were added after the "
                                                   "session closed")
        elif self.anchor_seen and not report.findings:
            report.anchor = f"verified: seq {anchor.seq} is the head this user's session anchored"
            if anchor.closed:
                report.anchor += " at its close"

    def problem(self, file: str, lineno: int, seq: int | None, message: str) -> None:
        report = self.report
        if report.first_bad_seq is None:
            report.first_bad_seq = seq if seq is not None else self.expected_seq
        if len(report.findings) < MAX_FINDINGS:
            report.findings.append(Finding(file, lineno, seq, message))
        else:
            report.more_findings += 1


def verify_logs(paths: list[Path]) -> list[LogReport]:
    """One report per session found among `paths` (rotated segments of a session are joined)."""
    reports = []
    for group in _group_by_session(paths):
        report = LogReport([str(p) for p in group])
        chain = _Chain(report)
        for path in group:
            _verify_file(path, chain)
        chain.finish()
        reports.append(report)
    return reports


def _verify_file(path: Path, chain: _Chain) -> None:
    report = chain.report
    try:
        handle = path.open("rb")
    except OSError as exc:
        chain.problem(str(path), 0, None, f"cannot read: {exc.strerror}")
        return
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):  # the last line, cut mid-write: a crash, not an edit
                report.partial_tail = f"{path}:{lineno}: last line is incomplete ({len(raw)} bytes)"
                break
            chain.feed(raw, str(path), lineno)


def _group_by_session(paths: list[Path]) -> list[list[Path]]:
    """Files of one session together, ordered by their first seq; unreadable heads stand alone."""
    sessions: dict[str, list[tuple[int, Path]]] = {}
    alone: list[list[Path]] = []
    for path in paths:
        head = _first_fields(path)
        if head is None:
            alone.append([path])
        else:
            sessions.setdefault(head[0], []).append((head[1], path))
    grouped = [[p for _, p in sorted(files, key=lambda f: f[0])] for files in sessions.values()]
    return grouped + alone


def _first_fields(path: Path) -> tuple[str, int] | None:
    with contextlib.suppress(OSError), path.open("rb") as handle:
        split = split_line(handle.readline().rstrip(b"\n"))
        if split is not None:
            with contextlib.suppress(NotAnEvent):
                fields = read_fields(split[0])
                return fields.session, fields.seq
    return None


def _excerpt(line: bytes) -> str:
    text = line[:60].decode("utf-8", "replace")
    return repr(text) + ("..." if len(line) > 60 else "")

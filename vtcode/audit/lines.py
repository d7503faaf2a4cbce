"""The fields a verifier needs from an audit line, read straight from its canonical bytes.

A line's hash is checked first; the writer produced it as canonical JSON, whose top-level keys come in
sorted order with `payload` before `prev_hash`, `seq`, `session` and `type`. Since a JSON string cannot
hold an unescaped quote, the last `,"seq":` (and so on) in the bytes is the top-level key, never one in
the payload. This reads a million lines several times faster than json.loads; anything that does not fit
falls back to json.loads, and what that cannot read is a corrupted line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class LineFields:
    seq: int
    prev_hash: str | None
    session: str
    type: str


class NotAnEvent(ValueError):
    """The line is not an audit event (corrupted, or not from vtcode)."""


def read_fields(body: bytes) -> LineFields:
    try:
        return _fast(body)
    except (ValueError, IndexError):
        return _slow(body)


def _fast(body: bytes) -> LineFields:
    at = body.rindex(b',"prev_hash":')
    start = at + len(b',"prev_hash":')
    if body.startswith(b"null", start):
        prev: str | None = None
    else:
        prev = body[start + 1 : body.index(b'"', start + 1)].decode("ascii")
    at = body.rindex(b',"seq":')
    seq = int(body[at + 7 : body.index(b",", at + 7)])
    return LineFields(seq, prev, _string_after(body, b',"session":"'), _string_after(body, b',"type":"'))


def _string_after(body: bytes, key: bytes) -> str:
    start = body.rindex(key) + len(key)
    value = body[start : body.index(b'"', start)]
    if b"\\" in value:
        raise ValueError("escaped string: read it with json")
    return value.decode("utf-8")


def _slow(body: bytes) -> LineFields:
    try:
        data = json.loads(body)
        seq, prev = data["seq"], data["prev_hash"]
        session, type_ = data["session"], data["type"]
    except (ValueError, KeyError, TypeError) as exc:
        raise NotAnEvent(f"not an audit event ({type(exc).__name__})") from exc
    if not (isinstance(seq, int) and isinstance(session, str) and isinstance(type_, str)):
        raise NotAnEvent("seq, session or type has the wrong type")
    if prev is not None and not isinstance(prev, str):
        raise NotAnEvent("prev_hash is not a string")
    return LineFields(seq, prev, session, type_)

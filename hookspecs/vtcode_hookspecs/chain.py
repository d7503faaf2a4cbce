"""The hash chain, defined once for the writer (the core's event bus) and every verifier.

An audit line is the event's canonical JSON (keys sorted, no spaces, UTF-8) without `hash`, with
`,"hash":"sha256:<hex>"` spliced in before the closing brace; `hash` is sha256 over those canonical bytes,
which include `prev_hash`. Editing, inserting, removing or reordering a line breaks a hash or a link.
A verifier reading a file checks the bytes as written; a copy re-serialized elsewhere (a SIEM) is checked
by re-canonicalizing it, which gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Final

import orjson as _orjson

HASH_PREFIX: Final = "sha256:"
_HASH_KEY: Final = ',"hash":"'
# `,"hash":"` + "sha256:" + 64 hex digits + `"}`
SUFFIX_LEN: Final = len(_HASH_KEY) + len(HASH_PREFIX) + 64 + 2

_ORJSON_OPTIONS: Final = _orjson.OPT_SORT_KEYS | _orjson.OPT_NON_STR_KEYS
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_string = json.encoder.encode_basestring  # what _ENCODER uses for a str (ensure_ascii=False), in C


def canonical_body(envelope: dict[str, Any]) -> str:
    """The canonical JSON of an event without its `hash` (see Event.envelope)."""
    return _ENCODER.encode(envelope)


def canonical_payload(payload: dict[str, Any]) -> str:
    """The payload's canonical JSON. orjson gives the same bytes as the sorted, compact, non-ASCII-escaping
    stdlib encoder for JSON-ready data (floats aside, which both writer and verifier take from here) at a
    tenth of the cost; what orjson refuses (integers beyond 64 bits) falls back to the stdlib."""
    try:
        return _orjson.dumps(payload, option=_ORJSON_OPTIONS).decode("utf-8")
    except TypeError:
        return _ENCODER.encode(payload)


def envelope_body(
    actor: str, id: str, payload_json: str, prev_hash: str | None, seq: int, session: str, ts: str, type: str
) -> str:
    """canonical_body() of an envelope, assembled by hand: the same bytes at a third of the cost, since
    only the payload needs a sorted encoding (the equality is tested)."""
    prev = "null" if prev_hash is None else _string(prev_hash)
    return (
        f'{{"actor":{_string(actor)},"id":{_string(id)},"payload":{payload_json},"prev_hash":{prev},'
        f'"schema":"vtcode.exec-events/1","seq":{seq:d},"session":{_string(session)},'
        f'"ts":{_string(ts)},"type":{_string(type)}}}'
    )


def chain_hash(body: bytes) -> str:
    return HASH_PREFIX + hashlib.sha256(body).hexdigest()


def seal(body: str) -> tuple[str, str]:
    """(hash, line) for a canonical body."""
    digest = chain_hash(body.encode("utf-8"))
    return digest, f'{body[:-1]}{_HASH_KEY}{digest}"}}'


def split_line(line: bytes) -> tuple[bytes, str] | None:
    """(canonical body, recorded hash) of an audit line without its newline, or None if not one."""
    if len(line) <= SUFFIX_LEN or not line.endswith(b'"}'):
        return None
    cut = len(line) - SUFFIX_LEN
    if line[cut : cut + len(_HASH_KEY)] != _HASH_KEY.encode():
        return None
    recorded = line[cut + len(_HASH_KEY) : -2]
    try:
        digest = recorded.decode("ascii")
    except UnicodeDecodeError:
        return None
    return line[:cut] + b"}", digest


def format_ts(ts: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as pydantic writes it: a parsed event re-serializes to the same bytes."""
    return ts.isoformat().replace("+00:00", "Z")

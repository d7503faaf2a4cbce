"""The audit line's canonical payload JSON comes from orjson for speed; it must be byte-for-byte what the
documented encoding (stdlib json, sorted keys, compact, non-ASCII kept) gives, or a verifier using the
documented rule would reject good logs."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from vtcode_hookspecs.chain import canonical_payload

DOCUMENTED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=25,
)


@settings(max_examples=2000)
@given(st.dictionaries(st.text(), JSON_VALUES, max_size=8))
def test_canonical_payload_is_the_documented_encoding(payload: dict[str, Any]) -> None:
    assert canonical_payload(payload) == DOCUMENTED.encode(payload)


def test_integers_beyond_64_bits_fall_back_to_the_documented_encoding() -> None:
    payload = {"big": 2**80, "b": [-(2**70)]}
    assert canonical_payload(payload) == DOCUMENTED.encode(payload)


def test_control_and_non_ascii_characters() -> None:
    payload = {"é": "\u2028\x00\x1f\x7f☃\U0001f600", "\n": '"\\'}
    assert canonical_payload(payload) == DOCUMENTED.encode(payload)

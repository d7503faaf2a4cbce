"""The SBPL evaluator the semantic tests rely on: it must get SBPL's own rules right, and refuse what it
does not model rather than guess."""

from __future__ import annotations

import pytest
from helpers.sbpl import Request, parse

PROFILE = """(version 1)
(deny default)
; a comment
(allow file-read* (subpath (param "WS")))
(deny file-read-data (literal (param "KEY")))
(allow file-write* (require-all (subpath (param "WS")) (regex #"^/[^/]+/[^/]+/[aA]\\.txt$")))
(allow ipc-posix-sem)
(allow mach-lookup (global-name "com.example.ok"))
"""


def test_last_matching_rule_wins_and_subpath_is_by_component() -> None:
    p = parse(PROFILE, {"WS": "/w/ws", "KEY": "/w/ws/key"})
    assert p.allows("file-read-data", "/w/ws/src/x")
    assert not p.allows("file-read-data", "/w/ws/key")  # the later deny wins
    assert p.allows("file-read-metadata", "/w/ws/key")  # the deny names one operation only
    assert p.allows("file-read-data", "/w/ws")
    assert not p.allows("file-read-data", "/w/wsx/y")  # not a prefix match on characters
    assert not p.allows("file-write-data", "/w/ws/src/x")


def test_regexes_requirements_families_and_names() -> None:
    p = parse(PROFILE, {"WS": "/w/ws", "KEY": "/w/ws/key"})
    assert p.allows("file-write-create", "/w/ws/A.txt")
    assert not p.allows("file-write-create", "/w/ws/sub/a.txt")  # depth-anchored
    assert p.allows("ipc-posix-sem-open", ipc_name="/x")  # a family name covers its members
    assert p.allows("mach-lookup", global_name="com.example.ok")
    assert not p.allows("mach-lookup", global_name="com.example.other")


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('(version 1)\n(allow file-read* (subpath (param "NOPE")))', "NOPE"),
        ("(version 1)\n(allow file-raed*)", "unknown operation"),
        ('(version 1)\n(allow file-read* (vnode-type "REGULAR-FILE"))', "subset"),
        ('(version 1)\n(allow file-read* (regex #"^/a{2}$"))', "subset"),
        ("(allow default)", "version"),
        ("(version 1)\n(allow default", "unbalanced"),
        ('(version 1)\n(allow network-bind (local ip "10.0.0.1:*"))', "subset"),  # macOS refuses hosts
    ],
)
def test_anything_outside_the_subset_is_refused(text: str, error: str) -> None:
    def evaluate() -> None:
        profile = parse(text, {})
        profile.allows("file-read-data", "/a")
        profile.allows("network-bind", local_ip="127.0.0.1:80")

    with pytest.raises((ValueError, KeyError), match=error):
        evaluate()


def test_the_specific_first_reading_and_extensions() -> None:
    text = """(version 1)
(deny default)
(allow file-read-metadata)
(deny file-read* (literal "/s"))
(allow file-read-data (require-all (regex #"^/dev/ttys[0-9]+$") (extension "com.apple.sandbox.pty")))
"""
    plain, specific = parse(text, {}), parse(text, {}, "specific-first")
    assert not plain.allows("file-read-metadata", "/s")
    assert specific.allows("file-read-metadata", "/s")  # the rule naming the operation wins
    assert not specific.allows("file-read-data", "/s")  # no rule names it: the class rule decides
    for profile in (plain, specific):
        pty = Request("file-read-data", "/dev/ttys1", extensions=frozenset({"com.apple.sandbox.pty"}))
        assert profile.decide(pty) == "allow"
        assert not profile.allows("file-read-data", "/dev/ttys1")
    with pytest.raises(ValueError, match="precedence"):
        parse(text, {}, "first-match")

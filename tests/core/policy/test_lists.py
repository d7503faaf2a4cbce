"""[commands] lists with the Rust vtcode's names: deny first, then allow, otherwise not allowed; matched on
tokens, not string prefixes; allow lists may turn a rule's prompt into allow, never a deny."""

from __future__ import annotations

from helpers.deciders import Decide

MAKE = {"make": {"decision": "prompt", "flags": None}}
RM = {"rm": {"decision": "deny", "flags": None}}


def test_deny_list_matches_tokens_not_prefixes(decide: Decide) -> None:
    lists = {"deny_list": ["rm"]}
    assert decide("rm x", lists=lists)[:2] == ("deny", "commands.deny")
    assert decide("/bin/rm x", lists=lists)[0] == "deny"
    assert decide("rmate x", lists=lists)[1] == "commands.unknown"  # not denied: a different program


def test_deny_glob_and_regex(decide: Decide) -> None:
    assert decide("git push --force", lists={"deny_glob": ["git push *"]})[0] == "deny"
    assert decide("curl http://x", lists={"deny_regex": [r"^curl\b"]})[0] == "deny"
    assert decide("ls && curl http://x", lists={"deny_regex": [r"^curl\b"]})[0] == "deny"


def test_deny_wins_over_allow(decide: Decide) -> None:
    lists = {"allow_list": ["make"], "deny_list": ["make install"]}
    assert decide("make", MAKE, lists)[0] == "allow"
    assert decide("make install", MAKE, lists)[0] == "deny"


def test_allow_lists_turn_prompt_into_allow_but_never_deny(decide: Decide) -> None:
    assert decide("make test", MAKE)[0] == "prompt"
    assert decide("make test", MAKE, {"allow_list": ["make test"]})[:2] == ("allow", "commands.allow_list")
    assert decide("make test", MAKE, {"allow_glob": ["make *"]})[1] == "commands.allow_glob"
    assert decide("make test", MAKE, {"allow_regex": [r"make \w+"]})[1] == "commands.allow_regex"
    assert decide("rm -rf x", RM, {"allow_list": ["rm"]})[0] == "deny"


def test_allow_list_does_not_extend_to_other_commands_in_the_string(decide: Decide) -> None:
    lists = {"allow_list": ["make"]}
    assert decide("make && frob", MAKE, lists)[0] == "prompt"


def test_standing_approvals_are_exact(decide: Decide) -> None:
    approvals = {"allowed": ["make test"]}
    assert decide("make test", MAKE, approvals=approvals)[:2] == ("allow", "approval_cache.allowed")
    assert decide("make test2", MAKE, approvals=approvals)[0] == "prompt"
    assert decide("make $T", MAKE, approvals={"prefixes": ["make"]})[0] == "prompt"  # run-time values

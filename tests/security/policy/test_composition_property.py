"""Property: no composition of an allowed and a denied command is ever allowed, whatever joins them
(operators, newlines, subshells, groups, substitutions, pipes, background) and in either order."""

from __future__ import annotations

from helpers.attack_cases import ATTACKS, EVERYDAY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtcode.policy.assemble import PolicySetup

ALLOWED = [c for c, w in EVERYDAY if w == "allow"]
DENIED = [
    c for cases in ATTACKS.values() for c, w in cases if w == "deny" and "\n" not in c and "<<" not in c
]

JOINERS = [
    "{a} ; {b}",
    "{a} && {b}",
    "{a} || {b}",
    "{a} | {b}",
    "{a} & {b}",
    "{a}\n{b}",
    "{a};{b}",
    "( {a} ; {b} )",
    "{{ {a} ; {b} ; }}",
    "{a} && ( {b} )",
    "{a} $( {b} )",
    "{a} `{b}`",
    "{a} <( {b} )",
    "if {a}; then {b}; fi",
    "while {a}; do {b}; done",
    "{a} |& {b}",
    "for x in 1; do {a}; {b}; done",
    "! {a} || {b}",
    'echo "$({b})"; {a}',
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    allowed=st.sampled_from(ALLOWED),
    denied=st.sampled_from(DENIED),
    joiner=st.sampled_from(JOINERS),
    denied_first=st.booleans(),
)
def test_allowed_plus_denied_is_never_allowed(
    policy: PolicySetup, allowed: str, denied: str, joiner: str, denied_first: bool
) -> None:
    a, b = (denied, allowed) if denied_first else (allowed, denied)
    command = joiner.format(a=a, b=b)
    decision = policy.engine.decide_command(shell=command).decision
    assert decision.verdict.value != "allow", f"{command!r} allowed: {decision.reason}"


def test_the_parts_are_what_the_property_says() -> None:
    assert len(ALLOWED) >= 15
    assert len(DENIED) >= 100

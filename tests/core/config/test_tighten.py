"""The tighten-only combination rules, one by one."""

from __future__ import annotations

import pytest

from vtcode.config.tighten import Rule, Tighten, combine

ORDER = Tighten(Rule.ORDER, ("allow", "prompt", "deny"))


@pytest.mark.parametrize(
    ("lower", "upper", "value", "loosened"),
    [
        ("allow", "deny", "deny", False),
        ("deny", "allow", "deny", True),
        ("prompt", "prompt", "prompt", False),
    ],
)
def test_order(lower: str, upper: str, value: str, loosened: bool) -> None:
    result = combine(ORDER, lower, upper)
    assert (result.value, result.loosened) == (value, loosened)


def test_order_map_uses_fallback_for_new_keys() -> None:
    marker = Tighten(Rule.ORDER_MAP, ("allow", "prompt", "deny"))
    result = combine(marker, {"a": "allow"}, {"a": "deny", "b": "allow"}, fallback="prompt")
    assert result.value == {"a": "deny", "b": "prompt"} and result.loosened


def test_union_keeps_every_lower_entry() -> None:
    assert combine(Tighten(Rule.UNION), ["rm"], ["curl"]).value == ["rm", "curl"]


def test_intersect_never_adds() -> None:
    result = combine(Tighten(Rule.INTERSECT), ["ls", "cat"], ["cat", "rm"])
    assert result.value == ["cat"] and result.loosened


def test_min_and_booleans() -> None:
    assert combine(Tighten(Rule.MIN), 10, 50).value == 10
    assert combine(Tighten(Rule.MIN), 10, 5).value == 5
    assert combine(Tighten(Rule.TRUE_WINS), True, False).value is True
    assert combine(Tighten(Rule.FALSE_WINS), False, True).value is False
    assert combine(Tighten(Rule.FALSE_WINS), True, False).value is False


def test_user_only_ignores_the_lower_trust_value() -> None:
    result = combine(Tighten(Rule.USER_ONLY), "auto", "none")
    assert result.value == "auto" and result.loosened

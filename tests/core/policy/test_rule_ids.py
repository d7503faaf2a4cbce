"""Rules carry structured ids (issue 20): the policy reads a rule's parts, never its text, and the text is
the one audit logs, prompts and `vtcode check` have always shown and stored."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from vtcode_hookspecs import ActionRequest, Decision, PolicyDecision, RuleId

import vtcode.policy

POLICY = Path(vtcode.policy.__file__).parent

# Every shape of id the policy makes, with the text it has always had.
SHAPES = [
    (RuleId("commands"), "commands"),
    (RuleId("commands", "unknown"), "commands.unknown"),
    (RuleId("commands", "git").below("push"), "commands.git.push"),
    (RuleId("commands", "git").below("push").at("--force"), "commands.git.push:--force"),
    (RuleId("commands", "git", detail="query"), "commands.git:query"),
    (RuleId("commands", "env").at("-u").at("env:LD_PRELOAD"), "commands.env:-u:env:LD_PRELOAD"),
    (RuleId("commands", "."), "commands.."),  # the `.` builtin's rule
    (RuleId("commands", "mkfs.ext4").at("secret"), "commands.mkfs.ext4:secret"),
    (RuleId("tools", "policies", ("mcp.fs.*",)), "tools.policies.mcp.fs.*"),
    (RuleId("approval_cache", "workspaces"), "approval_cache.workspaces"),
    (RuleId("variables", detail="LD_PRELOAD"), "variables:LD_PRELOAD"),
    (RuleId("hook", detail="dlp"), "hook:dlp"),
    (RuleId("redirects"), "redirects"),
]


def test_every_shape_keeps_its_text_and_reads_back() -> None:
    for rule, text in SHAPES:
        assert str(rule) == text
        # It is its text: readers of the string (==, in, startswith, json) still work.
        assert isinstance(rule, str) and rule == text and hash(rule) == hash(text)
        assert json.dumps({"rule": rule}) == json.dumps({"rule": text})
        assert str(RuleId.parse(text)) == text


def test_an_id_whose_parts_are_plain_comes_back_equal_in_its_parts() -> None:
    rule = RuleId("commands", "git", ("push",), "--force:x")
    back = RuleId.parse(str(rule))
    assert (back.section, back.name, back.path, back.detail) == ("commands", "git", ("push",), "--force:x")


_part = st.text(st.characters(blacklist_characters=".:"), max_size=8)


@given(st.text(max_size=40))
def test_any_text_round_trips(text: str) -> None:
    assert str(RuleId.parse(text)) == text


_detail = st.one_of(st.none(), st.text(max_size=8))


@given(_part, st.one_of(st.none(), _part), st.lists(_part, max_size=3), _detail)
def test_any_plain_id_round_trips(
    section: str, name: str | None, path: list[str], detail: str | None
) -> None:
    rule = RuleId(section, name, tuple(path) if name is not None else (), detail)
    back = RuleId.parse(str(rule))
    assert (back.section, back.name, back.path, back.detail) == (section, name, rule.path, detail)


def test_an_id_is_immutable() -> None:
    rule = RuleId("commands", "git")
    with pytest.raises(AttributeError):
        rule.name = "rm"  # type: ignore[misc]
    assert rule.below("push").path == ("push",) and rule.path == ()
    assert copy.deepcopy(rule.at("x")).detail == "x"


def test_decisions_and_events_carry_the_id_and_store_its_text() -> None:
    rule = RuleId("commands", "git").below("push").at("--force")
    decision = Decision(verdict="deny", reason="x", rule=rule)
    assert decision.rule is rule and decision.model_dump(mode="json")["rule"] == "commands.git.push:--force"
    event = PolicyDecision(action=ActionRequest(kind="command", shell="git push --force"), decision="deny",
                           reason="x", rule=rule)
    line = json.loads(event.model_dump_json())
    assert line["rule"] == "commands.git.push:--force"
    # A stored line (an old log) and a plugin's text read back into parts.
    read = PolicyDecision.model_validate(line).rule
    assert isinstance(read, RuleId) and (read.section, read.name, read.path) == ("commands", "git", ("push",))
    given_text = Decision(verdict="deny", reason="dlp", rule="hook:dlp").rule
    assert isinstance(given_text, RuleId) and (given_text.section, given_text.detail) == ("hook", "dlp")
    assert PolicyDecision.model_json_schema()["properties"]["rule"]["anyOf"][0] == {"type": "string"}


def _text_calls(tree: ast.AST) -> list[str]:
    """Calls that take a rule id's text apart: .split/.partition/.startswith... on anything named rule or
    label, or RuleId.parse."""
    found = []
    parsers = {"split", "rsplit", "partition", "rpartition", "startswith", "endswith", "removeprefix"}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        target = ast.unparse(node.func.value)
        if node.func.attr in parsers and ("rule" in target or "label" in target):
            found.append(ast.unparse(node))
        if node.func.attr == "parse" and target == "RuleId":
            found.append(ast.unparse(node))
    return found


def test_the_policy_never_parses_a_rule_id() -> None:
    found = {
        str(path.relative_to(POLICY)): calls
        for path in sorted(POLICY.rglob("*.py"))
        if (calls := _text_calls(ast.parse(path.read_text(), str(path))))
    }
    assert found == {}


def test_the_scan_sees_a_parse() -> None:
    assert _text_calls(ast.parse("name = part.rule.split('.')[1]\nRuleId.parse(x)\nlabel.partition(':')"))
    assert not _text_calls(ast.parse("name = rule.name\nkey.split('.')"))

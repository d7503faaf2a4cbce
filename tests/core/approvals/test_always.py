"""'Always allow': saved as the exact argv in the user's tool-policy.json, never a prefix; the file stays
valid; a malformed file is reported with its name and key and left as it was."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from vtcode_hookspecs import ActionRequest, Verdict

from vtcode.approvals import Answer, ApprovalBroker, ApprovalPrompt
from vtcode.approvals.always import UserPolicyStore
from vtcode.config.sources import validate_document
from vtcode.config.tool_policy import ToolPolicyFile
from vtcode.errors import ConfigError
from vtcode.events import EventBus
from vtcode.paths import policies_dir
from vtcode.policy.assemble import open_policy
from vtcode.policy.engine import PolicyEngine
from vtcode.workspace.trust import write_trust


class AlwaysAsker:
    """Saves the answer whenever a saved scope is offered (the narrowest: "this workspace" before
    "always"), and says "deny" otherwise."""

    def __init__(self) -> None:
        self.prompts: list[ApprovalPrompt] = []

    @property
    def who(self) -> dict[str, str]:
        return {"user": "tester", "uid": "0", "tty": "no-tty", "pid": "1", "source": "script"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        self.prompts.append(prompt)
        saving = [o for o in prompt.offers if o.saves]
        return saving[0] if saving else Answer.DENY


@pytest.fixture
def trusted(workspace: Path) -> Path:
    write_trust(workspace)
    return workspace


def _engine(workspace: Path) -> PolicyEngine:
    return open_policy(workspace, reviewers=False).engine


def _approve_always(workspace: Path, shell: str) -> Answer:
    engine = _engine(workspace)
    action = ActionRequest(kind="command", shell=shell)
    judged = engine.judge(action)
    assert judged.decision.verdict is Verdict.PROMPT
    broker = ApprovalBroker(AlwaysAsker(), EventBus(), always=UserPolicyStore())
    return broker.request(action, judged.decision, judged.commands, always_allowed=judged.always_offerable)


def _verdict(engine: PolicyEngine, shell: str) -> Verdict:
    return engine.judge(ActionRequest(kind="command", shell=shell)).decision.verdict


def _saved() -> dict[str, object]:
    data = json.loads(UserPolicyStore().path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_always_saves_exactly_the_argv(trusted: Path) -> None:
    assert _approve_always(trusted, "git push origin main") is Answer.ALWAYS
    assert _saved()["approval_cache"] == {"allowed": ["git push origin main"]}


def test_a_fresh_engine_allows_the_exact_command_and_not_its_variants(trusted: Path) -> None:
    _approve_always(trusted, "git push origin main")
    engine = _engine(trusted)
    decision = engine.judge(ActionRequest(kind="command", shell="git push origin main")).decision
    assert decision.verdict is Verdict.ALLOW and decision.rule == "approval_cache.allowed"
    # Never a prefix: the flag that rewrites history is still denied, other variants are still asked.
    assert _verdict(engine, "git push --force origin main") is Verdict.DENY
    assert _verdict(engine, "git push origin main --force") is Verdict.DENY
    assert _verdict(engine, "git push origin main2") is Verdict.PROMPT
    assert _verdict(engine, "git push origin main --tags") is Verdict.PROMPT
    assert _verdict(engine, "git push") is Verdict.PROMPT
    assert _verdict(engine, "git push origin main > pushed.txt") is Verdict.PROMPT


def test_arguments_with_spaces_are_saved_quoted_and_matched_exactly(trusted: Path) -> None:
    _approve_always(trusted, "git commit -m 'fix the parser'")
    allowed = _saved()["approval_cache"]
    assert allowed == {"allowed": [shlex.join(["git", "commit", "-m", "fix the parser"])]}
    engine = _engine(trusted)
    assert _verdict(engine, 'git commit -m "fix the parser"') is Verdict.ALLOW
    assert _verdict(engine, "git commit -m fix the parser") is Verdict.PROMPT


def test_interpreters_are_never_saved(trusted: Path) -> None:
    assert _approve_always(trusted, "python3 -c 'print(1)'") is Answer.DENY
    assert not UserPolicyStore().path.exists()


def test_saving_twice_keeps_one_entry_and_the_rest_of_the_file(trusted: Path) -> None:
    path = UserPolicyStore().path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "policies": {"grep": "deny"},
                                "approval_cache": {"allowed": ["make test"]}}))
    _approve_always(trusted, "git push origin main")
    UserPolicyStore().remember(ActionRequest(kind="command", shell="git push origin main"),
                               [("git", "push", "origin", "main")])
    data = _saved()
    assert data["policies"] == {"grep": "deny"}
    assert data["approval_cache"] == {"allowed": ["make test", "git push origin main"]}


def test_always_on_a_write_saves_that_tool_on_that_file_only_and_shows_it_first(trusted: Path) -> None:
    engine = _engine(trusted)
    action = ActionRequest(kind="tool", tool="write_file", path="notes.txt", write=True)
    judged = engine.judge(action)
    assert judged.decision.verdict is Verdict.PROMPT and judged.always_offerable
    store = UserPolicyStore(root=trusted)
    asker = AlwaysAsker()
    broker = ApprovalBroker(asker, EventBus(), always=store)
    assert not store.path.exists()
    assert broker.request(action, judged.decision, always_allowed=True) is Answer.WORKSPACE
    target = str(trusted / "notes.txt")
    # The prompt named the rule before anything was saved, and the rule saved is that one; a file is
    # this workspace's, so "every workspace" is not offered.
    shown = asker.prompts[0].rule_for(Answer.WORKSPACE)
    assert shown == f"{store.path}: approval_cache.tools.write_file: {target}"
    assert Answer.ALWAYS not in asker.prompts[0].offers
    assert "policies" not in _saved()
    assert _saved()["approval_cache"] == {"tools": {"write_file": [target]}}
    fresh = _engine(trusted)
    decision = fresh.decide(action)
    assert decision.verdict is Verdict.ALLOW and decision.rule == "approval_cache.tools"
    # Any other file, the same file with another tool, or that file plus another one: still asked.
    for other in (
        ActionRequest(kind="tool", tool="write_file", path="other.txt", write=True),
        ActionRequest(kind="tool", tool="edit_file", path="notes.txt", write=True),
        ActionRequest(kind="tool", tool="write_file", path="notes.txt", write=True,
                      extra_paths=(("other.txt", True),)),
    ):
        assert fresh.decide(other).verdict is Verdict.PROMPT, other
    for path in ("../outside.txt", ".git/hooks/pre-commit", "vtcode.toml"):
        escaped = ActionRequest(kind="tool", tool="write_file", path=path, write=True)
        assert fresh.decide(escaped).verdict is Verdict.DENY, path


def test_always_on_a_tool_call_without_paths_saves_that_exact_call_everywhere(trusted: Path) -> None:
    store = UserPolicyStore(root=trusted)
    action = ActionRequest(kind="tool", tool="fetch", args={"url": "http://127.0.0.1/a"})
    rule = store.rule(action, (), Answer.ALWAYS)
    assert rule.endswith('approval_cache.calls: fetch {"url":"http://127.0.0.1/a"} (in every workspace)')
    assert store.remember(action, (), Answer.ALWAYS) == rule
    assert _saved()["approval_cache"] == {"calls": ['fetch {"url":"http://127.0.0.1/a"}']}


def test_this_workspace_on_a_tool_call_without_paths_holds_in_that_workspace_only(
        trusted: Path, tmp_path: Path) -> None:
    store = UserPolicyStore(root=trusted)
    action = ActionRequest(kind="tool", tool="fetch", args={"url": "http://127.0.0.1/a"})
    rules = store.rules(action, ())
    assert set(rules) == {Answer.WORKSPACE, Answer.ALWAYS}  # both shown, each with what it saves
    assert rules[Answer.WORKSPACE].endswith(f'fetch {{"url":"http://127.0.0.1/a"}} (in {trusted} only)')
    assert store.remember(action, (), Answer.WORKSPACE) == rules[Answer.WORKSPACE]
    assert _saved()["approval_cache"] == {
        "workspace_calls": {str(trusted): ['fetch {"url":"http://127.0.0.1/a"}']}}
    here = _engine(trusted).decide(action)
    assert here.verdict is Verdict.ALLOW and here.rule == "approval_cache.workspace_calls"
    other = tmp_path / "other"
    other.mkdir()
    write_trust(other)
    # Another workspace, and another call in this one, are still asked.
    assert _engine(other).decide(action).verdict is Verdict.PROMPT
    changed = ActionRequest(kind="tool", tool="fetch", args={"url": "http://127.0.0.1/b"})
    assert _engine(trusted).decide(changed).verdict is Verdict.PROMPT


def test_the_written_file_is_valid_json_matching_the_schema(trusted: Path) -> None:
    _approve_always(trusted, "git push origin main")
    store = UserPolicyStore()
    store.remember(ActionRequest(kind="tool", tool="edit_file", path="a.txt", write=True), ())
    text = store.path.read_text(encoding="utf-8")
    data = json.loads(text)
    validate_document(ToolPolicyFile, data, str(store.path), text, is_json=True)
    schema = json.loads((policies_dir() / "schemas" / "tool-policy.schema.json").read_text())
    assert set(data) <= set(schema["properties"])
    assert set(data["approval_cache"]) <= set(schema["$defs"]["ApprovalCache"]["properties"])
    assert all(isinstance(entry, str) for entry in data["approval_cache"]["allowed"])
    assert text.endswith("\n")
    assert (store.path.stat().st_mode & 0o077) == 0  # the user's own policy is private
    assert [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ('{"version": 1, "approval_cache": {"allowed": "git status"}}\n', "approval_cache.allowed"),
        ('{"version": 1, "policies": {"write_file": "sometimes"}}\n', "policies.write_file"),
        ('{"version": 1, "bogus": true}\n', "bogus"),
        ('{"version": 1,\n  "policies": {\n', ":3"),
    ],
)
def test_a_malformed_user_file_is_reported_and_not_overwritten(
    content: str, where: str, trusted: Path
) -> None:
    store = UserPolicyStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text(content)
    with pytest.raises(ConfigError) as raised:
        store.remember(ActionRequest(kind="command", shell="git push origin main"),
                       [("git", "push", "origin", "main")])
    message = str(raised.value)
    assert str(store.path) in message and where in message
    assert "\n" not in message
    assert store.path.read_text() == content
    assert [p.name for p in store.path.parent.iterdir() if p.name.startswith(".tool-policy")] == []


def test_an_explicit_store_path_is_used(tmp_path: Path) -> None:
    store = UserPolicyStore(tmp_path / "elsewhere" / "tool-policy.json")
    saved = store.remember(ActionRequest(kind="command", argv=("make", "test")), [("make", "test")])
    assert saved == f"{store.path}: approval_cache.allowed: make test (in every workspace)"
    assert json.loads(store.path.read_text())["approval_cache"]["allowed"] == ["make test"]


def test_a_path_action_cannot_be_remembered() -> None:
    with pytest.raises(ValueError, match="cannot remember a path action"):
        UserPolicyStore().remember(ActionRequest(kind="path", path="a.txt"), ())

"""ApprovalBroker: what each answer does, what a session answer covers, what is offered, what is recorded.

The broker is under test; the person answering is a scripted Asker (the Asker protocol), and the decisions
come from the real policy engine of a real, trusted workspace.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

import pytest
from vtcode_hookspecs import ActionRequest, Decision, Verdict

from vtcode.approvals import Answer, ApprovalBroker, ApprovalPrompt, NoTerminal, action_digest
from vtcode.approvals.always import UserPolicyStore
from vtcode.events import EventBus
from vtcode.policy.assemble import open_policy
from vtcode.policy.engine import PolicyEngine
from vtcode.workspace.trust import write_trust


class ScriptedAsker:
    """Answers from a script, and keeps every prompt it was shown."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.prompts: list[ApprovalPrompt] = []

    @property
    def who(self) -> dict[str, str]:
        return {"user": getpass.getuser(), "uid": str(os.getuid()), "tty": "/dev/pts/test",
                "pid": str(os.getpid()), "source": "script"}

    def ask(self, prompt: ApprovalPrompt) -> Answer:
        self.prompts.append(prompt)
        return self.answers.pop(0)


@pytest.fixture
def engine(workspace: Path) -> PolicyEngine:
    write_trust(workspace)
    return open_policy(workspace, reviewers=False).engine


def _ask(broker: ApprovalBroker, engine: PolicyEngine, shell: str) -> Answer:
    action = ActionRequest(kind="command", shell=shell)
    judged = engine.judge(action)
    assert judged.decision.verdict is Verdict.PROMPT, judged.decision
    return broker.request(action, judged.decision, judged.commands, always_allowed=judged.always_offerable)


def _events(bus: EventBus, type: str) -> list[dict[str, Any]]:
    return [e.payload for e in bus.history if e.type == type]


@pytest.mark.parametrize("answer", [Answer.ONCE, Answer.SESSION, Answer.DENY])
def test_each_answer_is_returned_and_recorded(engine: PolicyEngine, answer: Answer) -> None:
    bus = EventBus()
    broker = ApprovalBroker(ScriptedAsker(answer), bus)
    assert _ask(broker, engine, "git commit -m wip") is answer
    assert answer.allows is (answer is not Answer.DENY)
    [answered] = _events(bus, "approval.answered")
    assert answered["answer"] == answer.value and answered["remembered"] is None


def test_allow_once_asks_again_next_time(engine: PolicyEngine) -> None:
    asker = ScriptedAsker(Answer.ONCE, Answer.DENY)
    broker = ApprovalBroker(asker, EventBus())
    assert _ask(broker, engine, "git commit -m wip") is Answer.ONCE
    assert _ask(broker, engine, "git commit -m wip") is Answer.DENY
    assert len(asker.prompts) == 2


def test_deny_is_not_remembered(engine: PolicyEngine) -> None:
    asker = ScriptedAsker(Answer.DENY, Answer.ONCE)
    broker = ApprovalBroker(asker, EventBus())
    assert _ask(broker, engine, "git commit -m wip") is Answer.DENY
    assert _ask(broker, engine, "git commit -m wip") is Answer.ONCE


def test_a_session_answer_covers_the_exact_same_action_only(engine: PolicyEngine) -> None:
    asker = ScriptedAsker(Answer.SESSION, Answer.DENY, Answer.DENY, Answer.DENY)
    bus = EventBus()
    broker = ApprovalBroker(asker, bus)
    assert _ask(broker, engine, "git commit -m wip") is Answer.SESSION
    assert _ask(broker, engine, "git commit -m wip") is Answer.SESSION
    assert len(asker.prompts) == 1
    cached = _events(bus, "approval.answered")[-1]
    assert cached["cached"] is True and cached["digest"] == action_digest(
        ActionRequest(kind="command", shell="git commit -m wip")
    )
    # A different argv, and the same argv with a redirection added, are different actions: asked again.
    assert _ask(broker, engine, "git commit -m wip2") is Answer.DENY
    assert _ask(broker, engine, "git commit -m wip > notes.txt") is Answer.DENY
    assert _ask(broker, engine, "GIT_AUTHOR_NAME=someone git commit -m wip") is Answer.DENY
    assert len(asker.prompts) == 4


def test_a_session_answer_does_not_carry_over_to_another_working_directory(engine: PolicyEngine) -> None:
    asker = ScriptedAsker(Answer.SESSION, Answer.DENY)
    broker = ApprovalBroker(asker, EventBus())
    decision = Decision(verdict=Verdict.PROMPT, reason="asked", rule="commands.make")
    here = ActionRequest(kind="command", tool="run_command", shell="make", path=".")
    there = ActionRequest(kind="command", tool="run_command", shell="make", path="vendor/lib")
    assert broker.request(here, decision, [("make",)]) is Answer.SESSION
    assert broker.request(there, decision, [("make",)]) is Answer.DENY


def test_a_session_answer_for_a_tool_is_per_exact_arguments(engine: PolicyEngine) -> None:
    asker = ScriptedAsker(Answer.SESSION, Answer.DENY)
    broker = ApprovalBroker(asker, EventBus())
    first = ActionRequest(kind="tool", tool="write_file", path="a.txt", write=True,
                          args={"path": "a.txt", "content": "one"})
    second = first.model_copy(update={"args": {"path": "a.txt", "content": "two"}})
    decision = engine.judge(first).decision
    assert broker.request(first, decision) is Answer.SESSION
    assert broker.request(first, decision) is Answer.SESSION
    assert broker.request(second, decision) is Answer.DENY


@pytest.mark.parametrize("offered", [True, False])
def test_an_answer_that_was_not_offered_is_a_denial(engine: PolicyEngine, offered: bool) -> None:
    store = UserPolicyStore() if offered else None
    bus = EventBus()
    asker = ScriptedAsker(Answer.ALWAYS)
    broker = ApprovalBroker(asker, bus, always=store)
    answer = _ask(broker, engine, "python3 -c 'print(1)'")  # an interpreter: "always" is never offered
    assert Answer.ALWAYS not in asker.prompts[0].offers
    assert answer is Answer.DENY
    assert _events(bus, "approval.answered")[0]["answer"] == "deny"
    assert not UserPolicyStore().path.exists()


def test_always_is_never_offered_for_interpreters_and_wrappers(engine: PolicyEngine) -> None:
    for shell in ("python3 -c 'print(1)'", "bash -c 'git commit -m x'", "env git commit -m x",
                  "timeout 5 git commit -m x", "node -e 'process.exit(0)'"):
        judged = engine.judge(ActionRequest(kind="command", shell=shell))
        assert judged.decision.verdict is not Verdict.ALLOW, shell
        assert judged.always_offerable is False, shell
    asker = ScriptedAsker(Answer.DENY)
    _ask(ApprovalBroker(asker, EventBus(), always=UserPolicyStore()), engine, "python3 -c 'print(1)'")
    assert asker.prompts[0].offers == (Answer.ONCE, Answer.SESSION, Answer.DENY)


def test_always_is_offered_for_a_plain_command_only_with_a_store_and_allow_always(
    engine: PolicyEngine,
) -> None:
    judged = engine.judge(ActionRequest(kind="command", shell="git push origin main"))
    assert judged.always_offerable is True
    cases = [(UserPolicyStore(), True, True), (UserPolicyStore(), False, False), (None, True, False)]
    for store, allow_always, expected in cases:
        asker = ScriptedAsker(Answer.DENY)
        broker = ApprovalBroker(asker, EventBus(), always=store, allow_always=allow_always)
        _ask(broker, engine, "git push origin main")
        assert (Answer.ALWAYS in asker.prompts[0].offers) is expected
        assert asker.prompts[0].offers[-1] is Answer.DENY


def test_allow_always_false_turns_an_always_answer_into_deny(engine: PolicyEngine) -> None:
    broker = ApprovalBroker(ScriptedAsker(Answer.ALWAYS), EventBus(), always=UserPolicyStore(),
                            allow_always=False)
    assert _ask(broker, engine, "git push origin main") is Answer.DENY
    assert not UserPolicyStore().path.exists()


def test_always_is_saved_and_counts_for_the_session(engine: PolicyEngine) -> None:
    asker = ScriptedAsker(Answer.ALWAYS)
    bus = EventBus()
    broker = ApprovalBroker(asker, bus, always=UserPolicyStore())
    assert _ask(broker, engine, "git push origin main") is Answer.ALWAYS
    assert _ask(broker, engine, "git push origin main") is Answer.SESSION
    answered = _events(bus, "approval.answered")[0]
    # No workspace (a script): the argv is saved for every workspace, and the prompt said so.
    assert answered["remembered"].endswith(
        "approval_cache.allowed: git push origin main (in every workspace)")
    assert str(UserPolicyStore().path) in answered["remembered"]


def test_events_name_who_and_the_exact_action(engine: PolicyEngine) -> None:
    bus = EventBus()
    asker = ScriptedAsker(Answer.ONCE)
    _ask(ApprovalBroker(asker, bus), engine, "git commit -m wip")
    requested = _events(bus, "approval.requested")[0]
    answered = _events(bus, "approval.answered")[0]
    digest = action_digest(ActionRequest(kind="command", shell="git commit -m wip"))
    assert requested["digest"] == answered["digest"] == asker.prompts[0].digest == digest
    assert digest.startswith("sha256:") and len(digest) == len("sha256:") + 64
    assert requested["action"]["shell"] == "git commit -m wip"
    assert requested["commands"] == [["git", "commit", "-m", "wip"]]
    assert requested["reason"] and requested["rule"] == "commands.git.commit"
    assert requested["offers"] == ["allow-once", "allow-session", "deny"]
    who = answered["who"]
    assert who["user"] == getpass.getuser() and who["uid"] == str(os.getuid())
    assert who["tty"] == "/dev/pts/test" and who["pid"] == str(os.getpid())
    # Request before answer, each with a time.
    order = [e.type for e in bus.history]
    assert order == ["approval.requested", "approval.answered"]
    assert all(e.ts is not None for e in bus.history)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (ActionRequest(kind="command", shell="git push origin main"),
         ActionRequest(kind="command", shell="git push origin maio")),
        (ActionRequest(kind="command", argv=("rm", "a.txt")),
         ActionRequest(kind="command", argv=("rm", "b.txt"))),
        (ActionRequest(kind="tool", tool="write_file", path="a.txt", write=True),
         ActionRequest(kind="tool", tool="write_file", path="a.txt", write=False)),
    ],
)
def test_the_digest_changes_with_one_byte_of_the_action(first: ActionRequest, second: ActionRequest) -> None:
    assert action_digest(first) == action_digest(first.model_copy())
    assert action_digest(first) != action_digest(second)
    bus = EventBus()
    broker = ApprovalBroker(ScriptedAsker(Answer.DENY, Answer.DENY), bus)
    decision = Decision(verdict=Verdict.PROMPT, reason="asked", rule="test")
    broker.request(first, decision)
    broker.request(second, decision)
    digests = [p["digest"] for p in _events(bus, "approval.requested")]
    assert digests == [action_digest(first), action_digest(second)]


def test_no_terminal_means_deny_and_says_so(engine: PolicyEngine) -> None:
    bus = EventBus()
    broker = ApprovalBroker(NoTerminal(), bus, always=UserPolicyStore())
    assert _ask(broker, engine, "git commit -m wip") is Answer.DENY
    answered = _events(bus, "approval.answered")[0]
    assert answered["answer"] == "deny"
    assert answered["who"]["source"] == "no terminal: prompt means deny"
    # Nobody was asked: no person or terminal is named as if they had answered (issue 18).
    assert "user" not in answered["who"] and "tty" not in answered["who"]
    assert _ask(broker, engine, "git commit -m wip") is Answer.DENY  # and nothing was cached


def test_an_always_that_cannot_be_saved_runs_once_and_reports_the_file(engine: PolicyEngine) -> None:
    store = UserPolicyStore()
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_text('{"version": 1, "approval_cache": {"allowed": "git push origin main"}}\n')
    before = store.path.read_bytes()
    bus = EventBus()
    asker = ScriptedAsker(Answer.ALWAYS, Answer.DENY)
    broker = ApprovalBroker(asker, bus, always=store)
    assert _ask(broker, engine, "git push origin main") is Answer.ONCE
    answered = _events(bus, "approval.answered")[0]
    assert answered["answer"] == "allow-once" and answered["remembered"] is None
    assert str(store.path) in answered["not_saved"] and "approval_cache.allowed" in answered["not_saved"]
    assert store.path.read_bytes() == before
    assert _ask(broker, engine, "git push origin main") is Answer.DENY  # not remembered for the session

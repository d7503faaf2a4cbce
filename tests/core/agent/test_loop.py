"""The loop over the real stack: tool calls run through policy and the jail, results go back to the model,
refusals are reported to it, and every way a session ends has its stop reason and exit status."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from helpers.agent_harness import AgentHarness, ApproveOnce, answer, call
from vtcode_hookspecs import ChatChunk, ToolCall, Usage

from vtcode.agent import EXIT_STATUS, AgentLimits, StopReason


def test_multi_turn_task_reads_edits_and_answers(workspace: Path) -> None:
    (workspace / "notes.txt").write_text("hello wrold\n")
    harness_ok = AgentHarness(workspace, asker=ApproveOnce())
    outcome, session, model = harness_ok.run(
        [
            call("read_file", "c1", text="I will look at the file first.", path="notes.txt"),
            call("edit_file", "c2", path="notes.txt", old="wrold", new="world"),
            answer("Fixed the typo in notes.txt."),
        ]
    )
    assert outcome.reason is StopReason.FINISHED and outcome.exit_status == 0
    assert outcome.answer == "Fixed the typo in notes.txt." and outcome.turns == 3 and outcome.tool_calls == 2
    assert (workspace / "notes.txt").read_text() == "hello world\n"
    # the model saw the file's content in the second request, as the result of its call
    second = model.requests[1].messages
    assert second[-1].role == "tool" and second[-1].tool_call_id == "c1"
    assert "hello wrold" in second[-1].content
    assert {t.name for t in model.requests[0].tools} >= {"read_file", "edit_file", "run_command"}
    reasoning = harness_ok.events("llm.reasoning")
    assert reasoning == [{"text": "I will look at the file first.", "call_id": "c1"}]
    assert [p["tool"] for p in harness_ok.events("tool.finished")] == ["read_file", "edit_file"]
    assert [m.role for m in session.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]


def test_denied_call_is_reported_to_the_model_which_continues(harness: AgentHarness, workspace: Path) -> None:
    outcome, _, model = harness.run(
        [
            call("write_file", "c1", path="out.txt", content="x"),  # prompt -> no terminal -> denied
            call("list_dir", "c2", path="."),
            answer("I could not write out.txt: it needs approval."),
        ]
    )
    assert not (workspace / "out.txt").exists()
    denial = model.requests[1].messages[-1]
    assert denial.role == "tool" and denial.content.startswith("denied by the user")
    assert outcome.reason is StopReason.FINISHED and outcome.tool_calls == 2
    assert harness.events("approval.answered")[0]["answer"] == "deny"


def test_stopping_right_after_a_refusal_is_denied(harness: AgentHarness, workspace: Path) -> None:
    outcome, _, _ = harness.run(
        [call("read_file", "c1", path="../../etc/passwd"), answer("I am not allowed to read that.")]
    )
    assert outcome.reason is StopReason.DENIED and outcome.exit_status == EXIT_STATUS[StopReason.DENIED] == 4
    assert outcome.answer == "I am not allowed to read that." and "refusal" in outcome.detail


def test_turn_limit(harness: AgentHarness, workspace: Path) -> None:
    turns = [call("list_dir", f"c{i}", path=".", recursive=bool(i % 2)) for i in range(10)]
    outcome, _, model = harness.run(turns, limits=AgentLimits(max_turns=3, max_repeated_tool_calls=50))
    assert outcome.reason is StopReason.LIMIT and outcome.exit_status == 5
    assert "agent.max_turns = 3" in outcome.detail and len(model.requests) == 3


def test_tool_calls_per_turn_limit_answers_every_call(harness: AgentHarness) -> None:
    calls = [
        ChatChunk(tool_call=ToolCall(id=f"c{i}", name="list_dir", arguments='{"path": "."}'))
        for i in range(5)
    ]
    outcome, session, _ = harness.run(
        [calls], limits=AgentLimits(max_tool_calls_per_turn=2, max_repeated_tool_calls=50)
    )
    assert outcome.reason is StopReason.LIMIT and "max_tool_calls_per_turn = 2" in outcome.detail
    results = [m for m in session.messages if m.role == "tool"]
    assert len(results) == 5 and outcome.tool_calls == 2  # every call has its result; 3 were not run
    assert all(m.content.startswith("not run: too many") for m in results[2:])


def test_repeated_identical_calls_are_refused_then_stop(harness: AgentHarness) -> None:
    same = [call("list_dir", f"c{i}", path=".") for i in range(6)]
    outcome, session, _ = harness.run(same, limits=AgentLimits(max_repeated_tool_calls=2))
    assert outcome.reason is StopReason.LIMIT and "same arguments" in outcome.detail
    results = [m.content for m in session.messages if m.role == "tool"]
    assert len(results) == 4 and results[2].startswith("not run: the same call was made 3 times")
    assert outcome.tool_calls == 2


def test_token_limit_counts_provider_usage(harness: AgentHarness) -> None:
    turns = [
        [*call("list_dir", "c1", path="."), ChatChunk(usage=Usage(input_tokens=2_900, output_tokens=200))],
        answer("never reached"),
    ]
    outcome, _, model = harness.run(turns, limits=AgentLimits(max_tokens=3_000))
    assert outcome.reason is StopReason.LIMIT and "agent.max_tokens = 3000" in outcome.detail
    assert outcome.tokens == 3_100 and len(model.requests) == 1 and outcome.turns == 1


def test_wall_time_limit_stops_a_model_that_streams_forever(harness: AgentHarness) -> None:
    ticks = itertools.count()
    endless = [ChatChunk(text="la ") for _ in range(1_000)]
    outcome, _, _ = harness.run([endless], limits=AgentLimits(max_wall_time_s=60), clock=lambda: next(ticks))
    assert outcome.reason is StopReason.LIMIT and "max_wall_time_s" in outcome.detail


def test_provider_failure_is_a_clean_failed_stop(harness: AgentHarness) -> None:
    outcome, _, _ = harness.run([[ChatChunk(text="partial "), ConnectionError("refused\nat 127.0.0.1:9")]])
    assert outcome.reason is StopReason.FAILED and outcome.exit_status == 1
    assert outcome.detail == "model request failed: refused at 127.0.0.1:9"


def test_unknown_tool_and_bad_arguments_go_back_to_the_model(harness: AgentHarness) -> None:
    turns = [call("format_disk", "c1"), call("read_file", "c2", nope=1), answer("done")]
    outcome, session, _ = harness.run(turns)
    results = [m.content for m in session.messages if m.role == "tool"]
    assert results[0].startswith("unknown tool 'format_disk'") and results[1].startswith("bad arguments")
    assert outcome.reason is StopReason.FINISHED  # neither is a refusal by policy or a person


def test_events_measure_each_turn_and_the_stop(harness: AgentHarness) -> None:
    harness.run([call("list_dir", "c1", path="."), answer("ok")])
    started = harness.events("turn.started")
    assert [s["turn"] for s in started] == [1, 2]
    assert all(s["bytes"] > 0 and s["tokens"] > 0 and s["window"] == 32_768 for s in started)
    assert started[1]["bytes"] > started[0]["bytes"]
    [stopped] = harness.events("agent.stopped")
    assert stopped["reason"] == "finished" and stopped["turns"] == 2 and stopped["tool_calls"] == 1


def test_arguments_reach_the_tool_exactly(harness: AgentHarness, workspace: Path) -> None:
    (workspace / "a b.txt").write_text("ünïcode ✓\n")
    _, session, _ = harness.run([call("read_file", "c1", path="a b.txt"), answer("ok")])
    assert "ünïcode ✓" in next(m for m in session.messages if m.role == "tool").content
    started = harness.events("tool.started")[0]
    assert started["args"]["path"] == "a b.txt" and json.loads(
        session.messages[2].tool_calls[0].arguments
    ) == {"path": "a b.txt"}

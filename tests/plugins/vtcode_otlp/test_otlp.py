"""The otlp sink against a real OTLP/HTTP receiver on 127.0.0.1 that decodes with the official
`opentelemetry-proto` classes: the mapping, both encodings, batching, retries, partial success, a
collector that is down, and end to end from `vtcode exec` with the local audit log as the reference."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.otlp_collector import attributes, collector
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from vtcode_hookspecs import SinkSettings, chain_hash, split_line
from vtcode_otlp.sink import OtlpSink

from vtcode.events import Backoff, EventBus

FAST = Backoff(first_s=0.01, cap_s=0.05)
VTCODE = str(Path(sys.executable).parent / "vtcode")


def settings(**options: Any) -> SinkSettings:
    return SinkSettings(session="sess-1", audit_dir="/unused", user="alice", host="box", options=options)


def configured(**options: Any) -> OtlpSink:
    sink = OtlpSink()
    sink.configure(settings(**{"backoff_s": 0.01, **options}))
    return sink


def session(sink: OtlpSink, count: int = 3) -> EventBus:
    bus = EventBus(session="sess-1", backoff=FAST)
    bus.attach([sink])
    bus.emit("policy.decision", {"call_id": "c1", "action": {"kind": "command", "shell": "rm -rf build"},
                                 "decision": "deny", "reason": "rm is not allowed", "rule": "deny_list"})
    for i in range(1, count):
        bus.emit("command.finished", {"argv": ["make", f"t{i}"], "cwd": "/w", "exit_code": i - 1,
                                      "duration_s": 1.5})
    return bus


def dead_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json"])
def test_events_are_log_records_the_official_decoder_reads(protocol: str) -> None:
    with collector() as otlp:
        sink = configured(endpoint=otlp.url, protocol=protocol, resource_attributes={"deployment": "ci"})
        bus = session(sink)
        bus.close()
    exports = otlp.accepted()  # one or more batches: the sink's thread takes what has arrived
    export = exports[0]
    wanted = "application/json" if protocol == "http/json" else "application/x-protobuf"
    assert all(e.path == "/v1/logs" and e.content_type == wanted for e in exports)
    records = otlp.records()
    history = {e.seq: e for e in bus.history}
    assert len(records) == 3
    resource = records[0][0]
    assert resource["service.name"] == "vtcode" and resource["host.name"] == "box"
    assert resource["user.name"] == "alice" and resource["session.id"] == "sess-1"
    assert resource["deployment"] == "ci" and resource["service.version"]
    scope = export.request.resource_logs[0].scope_logs[0].scope
    assert (scope.name, scope.version) == ("vtcode.exec-events", "1")
    for _, record in records:
        attrs = attributes(record.attributes)
        event = history[attrs["vtcode.event.seq"]]
        assert record.event_name == attrs["event.name"] == event.type
        assert attrs["vtcode.event.hash"] == event.hash and attrs["vtcode.event.id"] == event.id
        assert record.body.string_value == event.to_line()  # the exact audit line
        assert record.time_unix_nano == int(event.ts.timestamp()) * 10**9 + event.ts.microsecond * 1000
    first = attributes(records[0][1].attributes)
    assert first["vtcode.event.security"] is True and first["vtcode.payload.decision"] == "deny"
    assert records[0][1].severity_text == "WARN" and records[0][1].severity_number == 13
    assert "vtcode.event.prev_hash" not in first  # the first event has none
    second = attributes(records[1][1].attributes)
    assert second["vtcode.event.prev_hash"] == first["vtcode.event.hash"]
    assert second["vtcode.payload.exit_code"] == 0 and second["vtcode.payload.duration_s"] == 1.5


def test_a_collector_side_copy_checks_against_the_chain() -> None:
    """What the collector holds is enough to verify the chain: each body re-hashes to its hash attribute,
    and each prev_hash is the hash before it."""
    with collector() as otlp:
        bus = session(configured(endpoint=otlp.url), count=20)
        bus.close()
    previous = None
    seqs = []
    for _, record in otlp.records():
        attrs = attributes(record.attributes)
        split = split_line(record.body.string_value.encode())
        assert split is not None
        body, recorded = split
        assert chain_hash(body) == recorded == attrs["vtcode.event.hash"]
        assert json.loads(body)["prev_hash"] == previous
        previous = recorded
        seqs.append(attrs["vtcode.event.seq"])
    assert seqs == list(range(20))


def test_batches_are_at_most_batch_size() -> None:
    with collector() as otlp:
        sink = configured(endpoint=otlp.url, batch_size=4)
        bus = session(sink, count=10)
        bus.close()
    sizes = [len(e.request.resource_logs[0].scope_logs[0].log_records) for e in otlp.accepted()]
    assert max(sizes) <= 4 and sum(sizes) == 10


def test_retryable_answers_are_retried_after_retry_after_and_delivered_once() -> None:
    with collector() as otlp:
        otlp.script = [(503, {"Retry-After": "0"}, None), (429, {}, None)]
        bus = session(configured(endpoint=otlp.url), count=5)
        bus.close()
    assert [e.status for e in otlp.exports] == [503, 429, 200]
    seqs = [attributes(r.attributes)["vtcode.event.seq"] for _, r in otlp.records()]
    assert seqs == list(range(5))  # nothing lost, nothing twice
    assert not [e for e in bus.history if e.type == "error"]


def test_a_collector_that_is_down_is_an_error_event_and_never_blocks_the_session() -> None:
    sink = configured(endpoint=dead_url(), retries=0, timeout_s=1)
    bus = session(sink)
    bus.emit("tool.finished", {"tool": "read_file", "ok": True})  # the session goes on meanwhile
    bus.close(timeout=1)
    errors = [e.payload for e in bus.history if e.type == "error"]
    assert errors and errors[0]["sink"] == "otlp"
    assert "kept for a later try" in errors[0]["message"] and "in the audit log" in errors[0]["message"]


def test_a_refusal_keeps_the_records_until_the_collector_takes_them() -> None:
    with collector() as otlp:
        otlp.script = [(400, {}, None)]
        bus = session(configured(endpoint=otlp.url), count=3)
        bus.close()
    seqs = [attributes(r.attributes)["vtcode.event.seq"] for _, r in otlp.records()]
    assert seqs[:3] == [0, 1, 2]  # delivered after the refusal; the error and recovery follow
    messages = [e.payload["message"] for e in bus.history if e.type == "error"]
    assert any("HTTP 400" in m for m in messages) and any("recovered" in m for m in messages)


def test_partial_success_is_reported_once_per_run_of_rejections() -> None:
    rejected = ExportLogsServiceResponse()
    rejected.partial_success.rejected_log_records = 1
    rejected.partial_success.error_message = "attribute too long"
    with collector() as otlp:
        otlp.script = [(200, {}, rejected)] * 3  # three exports of one record each, then whole ones
        sink = configured(endpoint=otlp.url, batch_size=1)
        bus = session(sink, count=3)
        bus.close()
    messages = [e.payload["message"] for e in bus.history if e.type == "error"]
    first = [m for m in messages if "rejected 1 of 1 log records" in m]
    assert len(first) == 1 and "attribute too long" in first[0]
    assert any("more log records" in m for m in messages)  # the run's rest, once it ended


def test_secret_headers_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTLP_KEY", "k-123")
    with collector() as otlp:
        bus = session(configured(endpoint=f"{otlp.url}/v1/logs", headers={"X-Tenant": "t1"},
                                 headers_env={"Authorization": "OTLP_KEY"}))
        bus.close()
    headers = otlp.accepted()[0].headers
    assert headers["authorization"] == "k-123" and headers["x-tenant"] == "t1"
    assert otlp.accepted()[0].path == "/v1/logs"  # an endpoint with the signal path is used as is
    monkeypatch.delenv("OTLP_KEY")
    with pytest.raises(ValueError, match="OTLP_KEY is not set"):
        configured(headers_env={"Authorization": "OTLP_KEY"})


def test_vtcodes_own_resource_attributes_cannot_be_overridden() -> None:
    sink = configured(resource_attributes={"session.id": "forged", "user.name": "mallory", "team": "a"})
    assert sink.resource["session.id"] == "sess-1" and sink.resource["user.name"] == "alice"
    assert sink.resource["team"] == "a"


@pytest.mark.parametrize(
    ("options", "key"),
    [({"endpoint": "ftp://x"}, "endpoint"), ({"protocol": "grpc"}, "protocol"), ({"bogus": 1}, "bogus"),
     ({"headers": {"bad header": "x"}}, "headers"), ({"batch_size": 0}, "batch_size")],
)
def test_bad_options_name_the_key(options: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=rf"^\[events\.sinks\.otlp\] {key}"):
        OtlpSink().configure(settings(**options))


def _exec(workspace: Path, stub: OpenAIStub, sink_table: str) -> subprocess.CompletedProcess[str]:
    config = workspace.parent / "otlp.toml"
    config.write_text(f"[events.sinks.otlp]\n{sink_table}\n")
    argv = [VTCODE, "exec", "--provider", "openai-compat", "--base-url", stub.base_url, "--model", "m",
            "--workspace", str(workspace), "--config", str(config), "read a.txt"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")})


def test_exec_exports_exactly_the_local_audit_log(workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    script = [Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]), Reply(text="alpha")]
    with collector() as otlp, OpenAIStub(script) as stub:
        result = _exec(workspace, stub, f'endpoint = "{otlp.url}"')
    assert result.returncode == 0, result.stderr
    [log] = (workspace.parent / "audit").glob("*.jsonl")
    local = log.read_text().splitlines()
    exported = [record.body.string_value for _, record in otlp.records()]
    assert exported == local  # every line, in order, session.ended included
    assert json.loads(local[-1])["type"] == "session.ended"


def test_exec_with_the_collector_down_finishes_and_the_audit_log_says_so(workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    script = [Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]), Reply(text="alpha")]
    with OpenAIStub(script) as stub:
        result = _exec(workspace, stub, f'endpoint = "{dead_url()}"\nretries = 0\ntimeout_s = 1')
    assert result.returncode == 0, result.stderr
    assert result.stdout == "alpha\n"
    [log] = (workspace.parent / "audit").glob("*.jsonl")
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert any(e["type"] == "error" and e["payload"].get("sink") == "otlp" for e in events)
    assert events[-1]["type"] == "session.ended"
    verify = subprocess.run([VTCODE, "audit", "verify", str(log)], capture_output=True, text=True, timeout=60)
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.parametrize("protocol", ["http/protobuf", "http/json"])
def test_traces_follow_the_genai_conventions(workspace: Path, protocol: str) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    script = [Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]), Reply(text="alpha")]
    with collector() as otlp, OpenAIStub(script) as stub:
        result = _exec(workspace, stub, f'endpoint = "{otlp.url}"\ntraces = true\nprotocol = "{protocol}"')
    assert result.returncode == 0, result.stderr
    [log] = (workspace.parent / "audit").glob("*.jsonl")
    session = json.loads(log.read_text().splitlines()[0])["session"]
    spans = {span.name: span for span in otlp.spans()}
    assert sorted(spans) == ["chat m", "execute_tool read_file", "turn 1", "turn 2"]
    assert all(span.trace_id == bytes.fromhex(session) for span in spans.values())
    tool, chat, turn = spans["execute_tool read_file"], spans["chat m"], spans["turn 1"]
    assert tool.parent_span_id == turn.span_id and not turn.parent_span_id
    assert attributes(tool.attributes)["gen_ai.operation.name"] == "execute_tool"
    assert attributes(tool.attributes)["gen_ai.tool.call.id"] == "call_stub_0"
    assert attributes(chat.attributes)["gen_ai.request.model"] == "m" and chat.kind == 3  # CLIENT
    assert attributes(chat.attributes)["gen_ai.usage.input_tokens"] == 12
    assert turn.start_time_unix_nano <= tool.start_time_unix_nano <= tool.end_time_unix_nano
    assert tool.end_time_unix_nano <= turn.end_time_unix_nano and tool.status.code == 1  # OK

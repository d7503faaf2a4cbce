"""splunk-hec and elastic against real HTTP receivers on 127.0.0.1: exact payloads, batching, retries."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
from helpers.http_receiver import Request, receiver
from vtcode_exec_events.elastic import ElasticSink
from vtcode_exec_events.splunk_hec import SplunkHecSink
from vtcode_hookspecs import SinkSettings

from vtcode.events import Backoff, EventBus

FAST = Backoff(first_s=0.01, cap_s=0.05)


def settings(**options: Any) -> SinkSettings:
    return SinkSettings(session="s", audit_dir="/unused", user="alice", host="box", options=options)


def session(sink: Any, count: int = 3) -> EventBus:
    bus = EventBus(session="s", backoff=FAST)
    bus.attach([sink])
    bus.emit(
        "policy.decision",
        {
            "call_id": "c1",
            "action": {"kind": "command", "shell": "rm -rf build"},
            "decision": "deny",
            "reason": "rm is not allowed",
            "rule": "deny_list",
        },
    )
    for i in range(1, count):
        bus.emit(
            "command.finished",
            {"argv": ["make", f"t{i}"], "cwd": "/w", "exit_code": i - 1, "duration_s": 1.5, "bytes": 10},
        )
    return bus


def test_splunk_hec_posts_exact_events_with_the_token_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLUNK_HEC_TOKEN", "tok-123")
    with receiver() as hec:
        sink = SplunkHecSink()
        sink.configure(settings(url=f"{hec.url}/services/collector/event", index="sec"))
        bus = session(sink)
        bus.close()
    [request] = hec.requests  # one batch
    assert request.path == "/services/collector/event"
    assert request.headers["authorization"] == "Splunk tok-123"
    decoder = json.JSONDecoder()
    text, events, at = request.body.decode(), [], 0
    while at < len(text):
        event, at = decoder.raw_decode(text, at)
        events.append(event)
    history = {e.seq: e for e in bus.history}
    assert [e["event"]["seq"] for e in events] == [0, 1, 2]
    first = events[0]
    assert set(first) == {"time", "host", "source", "sourcetype", "index", "event"}
    assert (first["host"], first["source"], first["sourcetype"], first["index"]) == (
        "box",
        "vtcode",
        "vtcode:exec-events",
        "sec",
    )
    assert first["time"] == round(history[0].ts.timestamp(), 6)
    assert first["event"] == json.loads(history[0].to_line())  # the whole event, hash chain included


def test_splunk_hec_without_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPLUNK_HEC_TOKEN", raising=False)
    with pytest.raises(ValueError, match="SPLUNK_HEC_TOKEN"):
        SplunkHecSink().configure(settings(url="http://127.0.0.1:1/x"))


def test_splunk_hec_retries_with_backoff_and_delivers_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLUNK_HEC_TOKEN", "t")
    with receiver() as hec:
        hec.script = [(503, {"text": "busy", "code": 9}), (503, {"text": "busy", "code": 9})]
        sink = SplunkHecSink()
        sink.configure(settings(url=hec.url, backoff_s=0.01))
        session(sink).close()
    assert len(hec.requests) == 3 and hec.requests[0].body == hec.requests[2].body


def test_splunk_hec_down_is_reported_and_caught_up_later(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPLUNK_HEC_TOKEN", "t")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"  # bound, not listening: connection refused
        sink = SplunkHecSink()
        sink.configure(settings(url=dead, retries=0))
        bus = session(sink)
        bus.close(timeout=0.5)
    errors = [e.payload["message"] for e in bus.history if e.type == "error"]
    assert any("sink splunk-hec failed (flush)" in m and "ConnectError" in m for m in errors)


def bulk_ok(request: Request) -> dict[str, Any]:
    count = request.body.count(b"\n") // 2
    return {"errors": False, "items": [{"create": {"status": 201}}] * count}


def test_elastic_bulk_ecs_documents() -> None:
    with receiver() as es:
        es.default = bulk_ok
        sink = ElasticSink()
        sink.configure(settings(url=es.url, index="logs-vtcode.audit-test"))
        bus = session(sink)
        bus.close()
    [request] = es.requests
    assert request.path == "/_bulk" and request.headers["content-type"] == "application/x-ndjson"
    assert "authorization" not in request.headers
    rows = [json.loads(line) for line in request.body.decode().splitlines()]
    actions, docs = rows[0::2], rows[1::2]
    assert actions[0] == {"create": {"_index": "logs-vtcode.audit-test", "_id": "s-0"}}
    decision, finished = docs[0], docs[1]
    assert decision["event"] == {
        "kind": "event",
        "category": ["iam"],
        "type": ["denied"],
        "action": "policy.decision",
        "outcome": "failure",
        "id": "s-0",
        "sequence": 0,
        "dataset": "vtcode.audit",
        "module": "vtcode",
        "provider": "vtcode",
        "hash": bus.history[0].hash,
    }
    assert decision["process"] == {"command_line": "rm -rf build"}
    assert decision["rule"] == {"name": "deny_list"} and decision["user"] == {"name": "alice"}
    assert decision["host"] == {"hostname": "box"} and decision["ecs"] == {"version": "8.11.0"}
    assert decision["vtcode"] == json.loads(bus.history[0].to_line())
    assert decision["message"] == "deny rm -rf build: rm is not allowed (rule deny_list)"
    assert finished["event"]["outcome"] == "success" and finished["event"]["duration"] == 1_500_000_000
    assert finished["process"] == {
        "command_line": "make t1",
        "args": ["make", "t1"],
        "name": "make",
        "working_directory": "/w",
        "exit_code": 0,
    }


def test_elastic_retries_only_what_was_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ELASTIC_API_KEY", "k")
    with receiver() as es:
        es.script = [
            (
                200,
                {
                    "errors": True,
                    "items": [
                        {"create": {"status": 201}},
                        {"create": {"status": 429}},
                        {"create": {"status": 201}},
                    ],
                },
            )
        ]
        es.default = bulk_ok
        sink = ElasticSink()
        sink.configure(settings(url=es.url, token_env="ELASTIC_API_KEY"))
        bus = session(sink)
        bus.close()
    assert es.requests[0].headers["authorization"] == "ApiKey k"
    retried = [json.loads(line) for line in es.requests[1].body.decode().splitlines()[0::2]]
    assert [a["create"]["_id"] for a in retried] == ["s-1", "s-2"]  # from the refused one on
    assert any("HTTP 429 for seq 1" in e.payload["message"] for e in bus.history if e.type == "error")

"""The jsonl audit sink (files, modes, rotation) and the stderr sink (human or JSONL), and how
vtcode.toml chooses sinks for a session."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from helpers.audit_logs import audit_bus, decision, write_session
from helpers.http_receiver import receiver
from vtcode_exec_events.jsonl_sink import JsonlSink
from vtcode_exec_events.stderr_sink import StderrSink
from vtcode_hookspecs import SinkSettings

from vtcode.audit import verify_logs
from vtcode.events import EventBus
from vtcode.runtime import open_runtime


def test_audit_file_is_private_exclusive_and_one_line_per_event(tmp_path: Path) -> None:
    path = write_session(tmp_path, 5)
    assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(tmp_path.stat().st_mode & 0o777)
    assert all(json.loads(line)["session"] == "s1" for line in path.read_text().splitlines())
    with pytest.raises(FileExistsError):  # a session never appends to a file it did not start
        JsonlSink().configure(SinkSettings(session="s1", audit_dir=str(tmp_path)))


def test_rotation_continues_the_chain_in_numbered_segments(tmp_path: Path) -> None:
    write_session(tmp_path, 200, rotate_bytes=8192)
    names = sorted(p.name for p in tmp_path.glob("*.jsonl"))
    assert "s1.jsonl" in names and "s1.1.jsonl" in names
    assert all(p.stat().st_size < 8192 + 2048 for p in tmp_path.glob("*.jsonl"))
    [report] = verify_logs(sorted(tmp_path.glob("*.jsonl")))
    assert report.status == "ok"


def test_fsync_event_mode_writes_every_event_at_once(tmp_path: Path) -> None:
    bus, _ = audit_bus(tmp_path, fsync="event")
    bus.emit("tool.finished", {"tool": "t", "ok": True})
    assert len((tmp_path / "s1.jsonl").read_text().splitlines()) == 1


def test_jsonl_sink_refuses_options(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="takes no options"):
        JsonlSink().configure(SinkSettings(session="x", audit_dir=str(tmp_path), options={"path": "/tmp"}))


def test_stderr_sink_human_and_jsonl() -> None:
    human, lines = StderrSink(io.StringIO()), StderrSink(io.StringIO())
    lines.configure(SinkSettings(session="s", audit_dir="/x", options={"format": "jsonl"}))
    bus = EventBus(session="s")
    bus.attach([human, lines])
    bus.emit("policy.decision", decision("rm -rf /", verdict="deny"))
    bus.emit("tool.finished", {"tool": "t", "ok": True})
    assert human.stream.getvalue() == "vtcode: policy.decision: deny rm -rf /: test\n"
    assert [json.loads(x)["seq"] for x in lines.stream.getvalue().splitlines()] == [0, 1]


def test_vtcode_toml_chooses_the_sinks(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPLUNK_HEC_TOKEN", "t")
    monkeypatch.setenv("VTCODE_AUDIT_DIR", str(tmp_path / "audit"))
    with receiver() as hec:
        config = Path(os.environ["VTCODE_CONFIG_DIR"]) / "vtcode.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            f'[events]\nstderr = "off"\n[events.sinks.splunk-hec]\nurl = "{hec.url}"\n'
            '[events.sinks.nowhere]\nurl = "x"\n'
        )
        runtime = open_runtime(workspace)
        runtime.bus.close()
    errors = [e.payload["message"] for e in runtime.bus.history if e.type == "error"]
    assert errors == ["event sink 'nowhere' is configured but no signed-off plugin registers it"]
    sent = [
        json.loads(x)["event"]["type"]
        for r in hec.requests
        for x in r.body.decode().replace("}{", "}\n{").splitlines()
        if x.startswith('{"time"')
    ]
    assert sent[0] == "session.started" and sent[-1] == "session.ended"
    assert len(list((tmp_path / "audit").glob("*.jsonl"))) == 1

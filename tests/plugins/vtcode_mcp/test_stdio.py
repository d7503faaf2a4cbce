"""Stdio servers: the npm reference server `server-everything` and the Python SDK test server."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from helpers.mcp_servers import PY_SERVER, node, npm_bin

EVERYTHING = "[mcp.servers.everything]\ncommand = \"{node}\"\nargs = [\"{script}\", \"stdio\"]\n"


def everything(extra: str = "") -> str:
    script = npm_bin("mcp-server-everything").resolve()
    return EVERYTHING.format(node=node(), script=script) + extra


def py_stdio(log: Path, extra: str = "") -> str:
    """The Python SDK server on stdio; it writes its call log, so it is granted the workspace (`log` is
    in the workspace: a confined server writes nowhere else)."""
    return (
        f'[mcp.servers.py]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "{log}"]\nwrite = true\n{extra}\n'
    )


def test_the_reference_server_lists_and_answers(user_config, session, approver):
    user_config(everything() + '[tools.policies]\n"mcp.everything.echo" = "allow"\n')
    s = session(approver).ready()
    names = s.tool_names()
    assert "mcp.everything.echo" in names and "mcp.everything.get-sum" in names
    record = s.call("mcp.everything.echo", {"message": "hello from vtcode"})
    assert record.result.ok and "hello from vtcode" in record.result.output
    assert record.result.output.startswith('<untrusted-mcp-result server="everything" tool="echo">')
    assert approver.asked == []
    ready = [e for e in s.events("mcp.server") if e["state"] == "ready"]
    assert ready and ready[0]["identity"].startswith("sha256:") and ready[0]["source"] == "user"


def test_a_server_sees_only_the_environment_its_config_names(user_config, session, approver, monkeypatch):
    monkeypatch.setenv("VTCODE_TEST_SECRET", "hunter2")
    monkeypatch.setenv("PASSED_ON", "yes")
    user_config(everything('env_pass = ["PASSED_ON"]\nenv = { GIVEN = "1" }\n'
                           '[tools.policies]\n"mcp.everything.*" = "allow"\n'))
    s = session(approver).ready()
    output = s.call("mcp.everything.get-env", {}).result.output
    assert "PASSED_ON" in output and "GIVEN" in output
    assert "VTCODE_TEST_SECRET" not in output and "hunter2" not in output


def test_stderr_is_logged_not_shown(user_config, session, approver, workspace, isolated_user_dirs):
    user_config(py_stdio(workspace / "calls.jsonl") + '[tools.policies]\n"mcp.py.*" = "allow"\n')
    s = session(approver).ready()
    record = s.call("mcp.py.add", {"a": 1, "b": 2})
    assert record.result.ok and "test server on stdio" not in record.result.output
    log = isolated_user_dirs / "data" / "mcp-logs" / "py.log"
    assert "test server on stdio" in log.read_text()


def test_a_servers_stderr_cannot_fill_the_disk(user_config, session, approver, workspace, isolated_user_dirs):
    user_config(py_stdio(workspace / "calls.jsonl") + '[tools.policies]\n"mcp.py.*" = "allow"\n')
    s = session(approver).ready()
    assert s.call("mcp.py.shout", {"megabytes": 20}).result.ok
    assert s.call("mcp.py.add", {"a": 1, "b": 2}).result.ok  # still answering
    log = isolated_user_dirs / "data" / "mcp-logs" / "py.log"
    deadline = time.monotonic() + 10
    while "is not kept" not in log.read_text()[-200:] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.stat().st_size < 8 * 1024 * 1024 + 4096
    assert "is not kept" in log.read_text()[-200:]


def test_a_crashing_server_is_restarted_a_bounded_number_of_times(user_config, session, approver, workspace):
    user_config(py_stdio(workspace / "calls.jsonl", "max_restarts = 1")
                + '[tools.policies]\n"mcp.py.*" = "allow"\n')
    s = session(approver).ready()
    assert not s.call("mcp.py.crash", {}).result.ok
    deadline = time.monotonic() + 30
    while s.source.connections["py"].state != "ready" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert s.call("mcp.py.add", {"a": 1, "b": 2}).result.ok  # restarted once
    assert not s.call("mcp.py.crash", {}).result.ok
    while s.source.connections["py"].state != "unavailable" and time.monotonic() < deadline:
        time.sleep(0.05)
    after = s.call("mcp.py.add", {"a": 1, "b": 2})
    assert not after.result.ok and "unavailable" in after.result.output
    states = [e["state"] for e in s.events("mcp.server")]
    assert states.count("failed") == 1 and states[-1] == "unavailable"
    calls = [json.loads(line)["tool"] for line in (workspace / "calls.jsonl").read_text().splitlines()]
    assert calls == ["crash", "add", "crash"]


def test_a_hung_server_times_out_and_is_restarted(user_config, session, approver, workspace):
    user_config(py_stdio(workspace / "calls.jsonl", "call_timeout_s = 1.0")
                + '[tools.policies]\n"mcp.py.*" = "allow"\n')
    s = session(approver).ready()
    started = time.monotonic()
    hung = s.call("mcp.py.hang", {"seconds": 60})
    assert not hung.result.ok and "no answer" in hung.result.output
    assert time.monotonic() - started < 15
    deadline = time.monotonic() + 30
    while s.source.connections["py"].state != "ready" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert s.call("mcp.py.add", {"a": 2, "b": 2}).result.ok
    assert "restarting" in [e["state"] for e in s.events("mcp.server")]


def test_a_checkpoint_is_taken_only_around_a_server_that_can_write(user_config, session, workspace):
    """A server without the write grant runs with the workspace read-only, so a call to it takes no
    checkpoint (no ~20 ms of git per call); one granted write is checkpointed like any writing tool."""
    user_config(everything('[tools.policies]\n"mcp.everything.echo" = "allow"\n"mcp.py.*" = "allow"\n')
                + py_stdio(workspace / "calls.jsonl"))
    s = session().ready()
    echoed = s.call("mcp.everything.echo", {"message": "x"})
    assert echoed.result.ok, (echoed.result.output, s.events("mcp.server"))
    assert s.events("checkpoint.taken") == []
    assert s.call("mcp.py.add", {"a": 1, "b": 2}).result.ok
    [taken] = s.events("checkpoint.taken")
    assert taken["tool"] == "mcp.py.add"

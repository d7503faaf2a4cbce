"""Tools of an HTTP server (the Python SDK's, on 127.0.0.1) through the whole stack."""

from __future__ import annotations

import hashlib
import json

from helpers.mcp_servers import Approver

from vtcode.approvals import Answer


def _config(url: str, extra: str = "") -> str:
    return f'[mcp.servers.py]\nurl = "{url}"\n{extra}\n'


def test_tools_are_offered_as_mcp_server_tool(user_config, session, http_server, approver):
    user_config(_config(http_server.url))
    s = session(approver).ready()
    assert {"mcp.py.add", "mcp.py.big", "mcp.py.grow"} <= set(s.tool_names())
    specs = {spec.name: spec for spec in s.stack.source_specs()}  # the names the model is given
    assert specs["mcp__py__add"].parameters["properties"].keys() == {"a", "b"}
    assert specs["mcp__py__add"].description.startswith("[MCP server py, untrusted]")


def test_a_call_is_asked_by_default_and_audited(user_config, session, http_server, approver):
    user_config(_config(http_server.url))
    s = session(approver).ready()
    record = s.call("mcp.py.add", {"a": 2, "b": 3})
    assert record.result.ok, record.result.output
    assert len(approver.asked) == 1  # default prompt
    assert record.decision is not None and record.decision.verdict.value == "prompt"
    assert '<untrusted-mcp-result server="py" tool="add">' in record.result.output
    assert "\n5\n" in record.result.output
    [call] = s.events("mcp.call")
    digest = hashlib.sha256(json.dumps({"a": 2, "b": 3}, sort_keys=True, separators=(",", ":")).encode())
    assert call["server"] == "py" and call["tool"] == "add"
    assert call["args_digest"] == "sha256:" + digest.hexdigest()
    assert call["decision"] == "person:allow-once" and call["ok"] is True
    assert call["result_bytes"] == 1 and call["duration_ms"] > 0
    assert http_server.calls() == ["add"]


def test_bad_arguments_never_reach_the_server(user_config, session, http_server, approver):
    user_config(_config(http_server.url))
    s = session(approver).ready()
    for bad in ({"a": "two", "b": 3}, {"a": 1}, {"a": 1, "b": 2, "c": {"$ref": "x"}} | {"a": [1]}):
        record = s.call("mcp.py.add", bad)
        assert not record.result.ok and "bad arguments for mcp.py.add" in record.result.output
    assert approver.asked == [] and http_server.calls() == [] and s.events("mcp.call") == []


def test_denied_tools_are_never_called(user_config, session, http_server, approver):
    user_config(
        _config(http_server.url)
        + '[tools.policies]\n"mcp.py.delete_everything" = "deny"\n"mcp.py.*" = "allow"\n'
    )
    s = session(approver).ready()
    denied = s.call("mcp.py.delete_everything", {"confirm": True})
    assert not denied.result.ok and "denied by policy" in denied.result.output
    allowed = s.call("mcp.py.add", {"a": 1, "b": 1})
    assert allowed.result.ok and approver.asked == []
    assert http_server.calls() == ["add"]
    [refused] = s.events("tool.refused")
    assert refused["decision"] == "deny" and refused["tool"] == "mcp.py.delete_everything"


def test_a_server_wide_deny_beats_a_tool_allow(user_config, session, http_server, approver):
    user_config(_config(http_server.url) + '[tools.policies]\n"mcp.py.*" = "deny"\n"mcp.py.add" = "allow"\n')
    s = session(approver).ready()
    assert not s.call("mcp.py.add", {"a": 1, "b": 1}).result.ok
    assert http_server.calls() == []


def test_person_saying_no_means_no_call(user_config, session, http_server):
    user_config(_config(http_server.url))
    no = Approver(Answer.DENY)
    s = session(no).ready()
    assert not s.call("mcp.py.add", {"a": 1, "b": 1}).result.ok
    assert len(no.asked) == 1 and http_server.calls() == []


def test_list_changed_adds_a_tool_that_still_goes_through_the_policy(
    user_config, session, http_server, approver
):
    user_config(_config(http_server.url) + '[tools.policies]\n"mcp.py.grow" = "allow"\n')
    s = session(approver).ready()
    assert "mcp.py.added_later" not in s.tool_names()
    assert s.call("mcp.py.grow", {}).result.ok and approver.asked == []
    import time

    deadline = time.monotonic() + 10
    while "mcp.py.added_later" not in s.tool_names() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "mcp.py.added_later" in s.tool_names()
    assert any(e["state"] == "tools_changed" and "added_later" in e["tools"] for e in s.events("mcp.server"))
    record = s.call("mcp.py.added_later", {"text": "hi"})
    assert record.result.ok and len(approver.asked) == 1  # the new tool is asked about (default prompt)
    assert "HI" in record.result.output


def test_results_are_capped_and_cannot_close_the_fence(user_config, session, http_server, approver):
    user_config("[mcp]\nmax_result_bytes = 2048\n" + _config(http_server.url)
                + '[tools.policies]\n"mcp.py.*" = "allow"\n')
    s = session(approver).ready()
    big = s.call("mcp.py.big", {"n": 100_000})
    assert big.result.truncated_bytes == 100_000 - 2048 + (2048 % 2)
    assert len(big.result.output.encode()) < 2048 + 400
    [call] = s.events("mcp.call")
    assert call["result_bytes"] == 100_000 and call["truncated_bytes"] == big.result.truncated_bytes
    injected = s.call("mcp.py.inject", {}).result.output
    assert injected.count("</untrusted-mcp-result>") == 1 and injected.endswith("</untrusted-mcp-result>")


def test_annotations_are_not_trusted_unless_the_person_says_so(user_config, session, http_server, approver):
    user_config(_config(http_server.url))
    s = session(approver).ready()
    add = s.stack.catalog.get("mcp.py.add").obj
    assert add.read_only_hint and add.risk.value == "write"
    s.close()
    user_config(_config(http_server.url, "trust_annotations = true"))
    s2 = session(approver).ready()
    assert s2.stack.catalog.get("mcp.py.add").obj.risk.value == "read"


def test_the_bearer_token_comes_from_the_users_secrets(user_config, session, tmp_path, isolated_user_dirs):
    from helpers.mcp_servers import HttpServer

    server = HttpServer(tmp_path / "calls.jsonl", token="s3cret-token")
    try:
        user_config(_config(server.url, 'bearer_token_secret = "py-token"')
                    + '[tools.policies]\n"mcp.py.add" = "allow"\n')
        secrets = isolated_user_dirs / "config" / "secrets.toml"
        secrets.write_text('py-token = "s3cret-token"\n')
        secrets.chmod(0o600)
        s = session().ready()
        assert s.call("mcp.py.add", {"a": 1, "b": 1}).result.ok
        s.close()
        secrets.write_text('py-token = "wrong"\n')
        s2 = session().ready()
        assert s2.tool_names() == [] and server.calls() == ["add"]
        assert any(e["state"] in ("failed", "unavailable") for e in s2.events("mcp.server"))
        s2.close()
        secrets.unlink()
        s3 = session().ready()
        [refusal] = [e for e in s3.events("mcp.server") if e["state"] == "refused"]
        assert "no bearer token" in refusal["reason"]
        # The token never lands in the record.
        assert "s3cret-token" not in json.dumps([dict(e.payload) for e in s3.runtime.bus.history])
    finally:
        server.stop()


def test_mcp_tools_lists_the_tools_and_their_policy(user_config, http_server, workspace):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    user_config(_config(http_server.url) + '[tools.policies]\n"mcp.py.add" = "allow"\n')
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    ran = subprocess.run(
        [str(Path(sys.executable).parent / "vtcode"), "mcp", "tools", "--json", "--workspace",
         str(workspace)],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    listed = json.loads(ran.stdout)
    tools = {t["name"]: t for t in listed["tools"]}
    assert tools["mcp.py.add"]["policy"] == "allow" and tools["mcp.py.big"]["policy"] == "prompt"
    assert listed["servers"]["py"]["state"] == "ready"
    assert http_server.calls() == []  # listing calls nothing

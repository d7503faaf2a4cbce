"""Resources as `mcp.<server>.read_resource`: offered only by a server that has resources, decided by the
policy like the server's tools (asked by default, denied means never read), arguments checked before the
policy, results capped and fenced as untrusted, every read an `mcp.call` event. Against the reference
server `server-everything` and an SDK server (tests/fixtures/mcp/hostile_server.py)."""

from __future__ import annotations

import sys

from helpers.mcp_servers import FIXTURES, node, npm_bin

from vtcode.approvals import Answer

HOSTILE = f'[mcp.servers.notes]\ncommand = "{sys.executable}"\nargs = ["{FIXTURES / "hostile_server.py"}"]\n'


def test_a_resource_is_read_through_the_policy_fenced_and_audited(user_config, session, approver):
    user_config(HOSTILE)  # no rule: asked
    s = session(approver).ready()
    assert "mcp.notes.read_resource" in s.tool_names()
    record = s.call("mcp.notes.read_resource", {"uri": "note://readme"})
    assert [p.action.tool for p in approver.asked] == ["mcp.notes.read_resource"]
    assert record.result.ok
    assert record.result.output.startswith('<untrusted-mcp-result server="notes" tool="resources/read">')
    assert "[resource note://readme]\nhello" in record.result.output
    calls = s.events("mcp.call")
    assert len(calls) == 1 and calls[0]["tool"] == "resources/read" and calls[0]["ok"]
    assert calls[0]["args_digest"].startswith("sha256:") and calls[0]["result_bytes"] > 0


def test_a_denied_or_refused_read_never_reaches_the_server(user_config, session, approver):
    user_config(HOSTILE + '[tools.policies]\n"mcp.notes.*" = "deny"\n')
    s = session(approver).ready()
    record = s.call("mcp.notes.read_resource", {"uri": "note://readme"})
    assert not record.result.ok and s.events("mcp.call") == []
    assert approver.asked == []


def test_a_person_saying_no_means_no_read(user_config, session):
    from helpers.mcp_servers import Approver

    user_config(HOSTILE)
    no = Approver(Answer.DENY)
    s = session(no).ready()
    record = s.call("mcp.notes.read_resource", {"uri": "note://readme"})
    assert not record.result.ok and len(no.asked) == 1 and s.events("mcp.call") == []


def test_a_bad_uri_is_refused_before_the_policy(user_config, session, approver):
    user_config(HOSTILE + '[tools.policies]\n"mcp.notes.*" = "allow"\n')
    s = session(approver).ready()
    for bad in ({"uri": "note://readme\x1b]0;x\x07"}, {"uri": ""}, {"uri": "x" * 5000}, {}, {"uri": 3},
                {"uri": "note://readme", "extra": 1}):
        record = s.call("mcp.notes.read_resource", bad)
        assert not record.result.ok, bad
    assert s.events("mcp.call") == [] and approver.asked == []


def test_the_reference_servers_resources_are_listed_and_read(user_config, session, approver):
    script = npm_bin("mcp-server-everything").resolve()
    user_config(f'[mcp.servers.everything]\ncommand = "{node()}"\nargs = ["{script}", "stdio"]\n'
                '[tools.policies]\n"mcp.everything.read_resource" = "allow"\n')
    s = session(approver).ready()
    (server,) = [row for row in s.source.servers(10) if row.name == "everything"]
    uris = [o.name for o in server.offers if o.kind == "resource"]
    assert uris, server
    record = s.call("mcp.everything.read_resource", {"uri": uris[0]})
    assert record.result.ok and f"[resource {uris[0]}" in record.result.output
    assert any(o.kind == "prompt" for o in server.offers)
    assert any(o.name == "mcp.everything.read_resource" for o in server.offers if o.kind == "tool")

"""Stdio servers run confined by the kernel (the session's sandbox backend, the server's own mode): the
reference filesystem server, told it may use all of `/`, still cannot read or write what the sandbox
does not grant, even when a tool call asks it to."""

from __future__ import annotations

import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.accepting import closing_server, stop_accepting
from helpers.mcp_servers import PY_SERVER, node, npm_bin

SECRET = "canary-4c1d-not-for-the-model"


def filesystem(extra: str = "", allowed: str = "/") -> str:
    """The reference filesystem server. Its own allow-list is `allowed`, by default "/": then only the
    kernel stands between it and every file."""
    script = npm_bin("mcp-server-filesystem").resolve()
    return (
        f'[mcp.servers.fs]\ncommand = "{node()}"\nargs = ["{script}", "{allowed}"]\n{extra}\n'
        '[tools.policies]\n"mcp.fs.*" = "allow"\n'
    )


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET)
    return folder


def test_the_filesystem_server_cannot_read_outside_the_workspace(user_config, session, workspace, outside):
    (workspace / "inside.txt").write_text("inside the workspace")
    user_config(filesystem())
    s = session().ready()
    inside = s.call("mcp.fs.read_text_file", {"path": str(workspace / "inside.txt")})
    assert inside.result.ok and "inside the workspace" in inside.result.output
    for path in (outside / "secret.txt", outside):
        for tool, args in (("read_text_file", {"path": str(path)}), ("list_directory", {"path": str(path)}),
                           ("get_file_info", {"path": str(path)}), ("search_files", {"path": str(path),
                                                                                      "pattern": "*"})):
            record = s.call(f"mcp.fs.{tool}", args)
            assert SECRET not in record.result.output, tool
            if path == outside:  # no listing, search or stat of the directory names what is in it
                assert "secret.txt" not in record.result.output, record.result.output
            if tool == "get_file_info":  # stat is not file access: Landlock lets metadata through (docs)
                continue
            assert not record.result.ok, (tool, record.result.output)
            if path == outside or tool == "read_text_file":  # the kernel's refusal, not the server's
                assert "EACCES" in record.result.output or "denied" in record.result.output.lower(), (
                    tool, record.result.output)
    home_key = Path.home() / ".ssh"
    record = s.call("mcp.fs.list_directory", {"path": str(home_key)})
    assert not record.result.ok


def test_the_workspace_is_read_only_unless_write_is_granted(user_config, session, workspace):
    user_config(filesystem(allowed=str(workspace)))
    s = session().ready()
    wrote = s.call("mcp.fs.write_file", {"path": str(workspace / "new.txt"), "content": "x"})
    assert not wrote.result.ok and not (workspace / "new.txt").exists()
    assert "EACCES" in wrote.result.output or "EROFS" in wrote.result.output, wrote.result.output
    [spawned] = [e for e in s.events("mcp.server") if e["state"] == "spawned"]
    assert spawned["mode"] == "read-only" and spawned["network"] is False
    assert any(item.startswith("landlock") for item in spawned["enforced"]), spawned["enforced"]
    s.close()
    user_config(filesystem("write = true", allowed=str(workspace)))
    s2 = session().ready()
    wrote2 = s2.call("mcp.fs.write_file", {"path": str(workspace / "new.txt"), "content": "x"})
    assert wrote2.result.ok, wrote2.result.output
    assert (workspace / "new.txt").read_text() == "x"
    [spawned] = [e for e in s2.events("mcp.server") if e["state"] == "spawned"]
    assert spawned["mode"] == "workspace-write"


@pytest.fixture
def listener() -> Iterator[int]:
    sock, thread = closing_server("listener-fixture")
    yield sock.getsockname()[1]
    stop_accepting(sock, thread)  # a plain close here left the thread to take the next test's connections


def _py(workspace: Path, extra: str = "") -> str:
    return (
        f'[mcp.servers.py]\ncommand = "{sys.executable}"\n'
        f'args = ["{PY_SERVER}", "--stdio", "--log", "{workspace / "calls.jsonl"}"]\nwrite = true\n{extra}\n'
        '[tools.policies]\n"mcp.py.*" = "allow"\n'
    )


def test_no_network_unless_granted(user_config, session, workspace, listener):
    user_config(_py(workspace))
    s = session().ready()
    refused = s.call("mcp.py.connect", {"port": listener}).result.output
    assert "refused" in refused and "connected" not in refused.replace("refused", "")
    s.close()
    user_config(_py(workspace, 'network = "full"'))
    s2 = session().ready()
    assert "\nconnected\n" in s2.call("mcp.py.connect", {"port": listener}).result.output
    [spawned] = [e for e in s2.events("mcp.server") if e["state"] == "spawned"]
    assert spawned["network"] is True and not spawned.get("egress")


@pytest.fixture
def origin() -> Iterator[int]:
    """An HTTP server on 127.0.0.1 that answers every GET with its Host header: the "internet" the
    proxy's hosts mapping points allowed.test and denied.test at."""

    class Origin(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = f"hello from {self.headers.get('Host')}".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


MAPPED = '[sandbox.network]\nhosts = { "allowed.test" = "127.0.0.1", "denied.test" = "127.0.0.1" }\n'


def test_a_network_grant_goes_through_the_egress_proxy(user_config, session, workspace, origin):
    """`network = [hosts]`: the server's only way out is vtcode's egress proxy, which lets through the
    hosts it names and nothing else, and records each connection as a `network.request` naming the
    server. The session's own network mode stays "off": the grant is the server's, not the commands'."""
    user_config(_py(workspace, 'network = ["allowed.test", "127.0.0.1"]') + MAPPED)
    s = session().ready()
    allowed = s.call("mcp.py.fetch", {"url": f"http://allowed.test:{origin}/"}).result.output
    events = repr(s.events("network.request"))
    assert f"status 200: hello from allowed.test:{origin}" in allowed, (allowed, events)
    denied = s.call("mcp.py.fetch", {"url": f"http://denied.test:{origin}/"}).result.output
    assert "status 403" in denied and "hello" not in denied, denied
    # around the proxy: the origin it just reached is not reachable directly (a private network
    # namespace with nothing but the proxy's port)
    direct = s.call("mcp.py.connect", {"port": origin}).result.output
    assert "refused" in direct and "connected" not in direct.replace("refused", ""), direct
    [spawned] = [e for e in s.events("mcp.server") if e["state"] == "spawned"]
    assert spawned["egress"] == ["allowed.test", "127.0.0.1"] and spawned["network"] is True
    assert any(e.startswith("network:egress-proxy") for e in spawned["enforced"]), spawned["enforced"]
    s.close()  # the proxy's last events are out once the server is gone
    requests = [e for e in s.events("network.request") if e.get("host")]
    assert {(e["host"], e["decision"], e.get("client")) for e in requests} == {
        ("allowed.test", "allow", "mcp:py"), ("denied.test", "deny", "mcp:py")}, requests
    [refused] = [e for e in requests if e["decision"] == "deny"]
    assert refused["rule"] == "no-rule"


def test_the_sessions_allowlist_does_not_reach_a_server_without_a_grant(
    user_config, session, workspace, origin
):
    """Commands in the allowlist mode get a proxy; a server without a network grant gets none (not the
    session's proxy, nor its port)."""
    allowlist = '[sandbox.network]\nmode = "allowlist"\nallow = ["allowed.test", "127.0.0.1"]\n'
    user_config(_py(workspace) + MAPPED.replace("[sandbox.network]\n", allowlist))
    s = session().ready()
    fetched = s.call("mcp.py.fetch", {"url": f"http://allowed.test:{origin}/"}).result.output
    assert "hello" not in fetched and "\nerror: " in fetched, fetched
    proxy = s.call("mcp.py.connect", {"port": 3128}).result.output
    assert "\nrefused: " in proxy, proxy
    [spawned] = [e for e in s.events("mcp.server") if e["state"] == "spawned"]
    assert spawned["network"] is False and not any("egress" in e for e in spawned["enforced"])


def test_a_servers_own_code_cannot_reach_what_the_sandbox_hides(user_config, session, workspace, outside):
    user_config(_py(workspace))
    s = session().ready()
    output = s.call("mcp.py.read_path", {"path": str(outside / "secret.txt")}).result.output
    assert SECRET not in output and "cannot read" in output and "Permission denied" in output
    (workspace / "mine.txt").write_text("the workspace is readable")
    readable = s.call("mcp.py.read_path", {"path": str(workspace / "mine.txt")}).result.output
    assert "the workspace is readable" in readable


def test_without_a_sandbox_no_stdio_server_starts(user_config, session, workspace):
    user_config(_py(workspace) + '[sandbox]\nbackend = "none"\n')
    s = session().ready()
    [refused] = [e for e in s.events("mcp.server") if e["state"] == "refused"]
    assert "no sandbox" in refused["reason"] and not (workspace / "calls.jsonl").exists()
    assert s.tool_names() == []

"""A host no `[sandbox.network]` rule names, offered to the person in the real TUI: `vtcode` in a real
pseudo-terminal, the model (a server on 127.0.0.1) asks to run a script that fetches http://asked.test/,
the egress proxy asks, the approval modal names the host, port and rule, and the person answers with its
keys: `y` once, `s` for the session, `a` always for this workspace (saved in the user's config dir), `n`
deny. The effect is checked where it happens: the origin server got the request or did not, the script
printed 200 or the proxy's 403, and the audit trail holds the question, the answer and the connection."""

from __future__ import annotations

import http.server
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply
from helpers.terminal import Terminal, vtcode_bin
from helpers.tui import stub_overrides

from vtcode.paths import user_config_dir
from vtcode.tui.screens.approval import QUIET_S
from vtcode.workspace.trust import write_trust

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the netns egress mode")

FETCH = """\
import urllib.request, urllib.error
try:
    print("fetched", urllib.request.urlopen("http://asked.test:{port}/wanted", timeout=60).status)
except urllib.error.HTTPError as exc:
    print("fetched", exc.code)
"""


@pytest.fixture
def origin() -> Iterator[tuple[int, list[str]]]:
    """A stand-in for the host the command wants: it records every path it served."""
    served: list[str] = []

    class Origin(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], served
    finally:
        server.shutdown()


def _text(raw: bytes) -> str:
    """The screen's text: the terminal's control sequences taken out."""
    controls = r"\x1b\[[0-9;?<>=$]*[A-Za-z~]|\x1b[()][A-Z0-9]|\x1b[=>]"
    return re.sub(controls, "", raw.decode("utf-8", "replace"))


def _events(audit_dir: Path) -> list[dict[str, object]]:
    return [json.loads(line) for log in sorted(audit_dir.glob("*.jsonl"))
            for line in log.read_text().splitlines()]


@pytest.mark.parametrize(("key", "answer", "status"), [
    ("y", "allow-once", 200), ("s", "allow-session", 200), ("w", "allow-workspace", 200), ("n", "deny", 403),
])
def test_an_unknown_host_is_offered_in_the_tui_and_the_answer_holds(
    workspace: Path, audit_dir: Path, stub: OpenAIStub, origin: tuple[int, list[str]],
    key: str, answer: str, status: int,
) -> None:
    port, served = origin
    write_trust(workspace)
    (workspace / "fetch.py").write_text(FETCH.format(port=port))
    user_config_dir().mkdir(parents=True, exist_ok=True)
    (user_config_dir() / "vtcode.toml").write_text(
        '[sandbox.network]\nmode = "allowlist"\nallow = ["127.0.0.1"]\n'  # the address, never the name
        'hosts = { "asked.test" = "127.0.0.1" }\n')
    stub.push(Reply(tool_calls=[ToolCallReply("run_command", {"command": "python3 fetch.py"})]),
              Reply(text="the-turn-is-over"))
    overrides = [arg for item in stub_overrides(stub.base_url) for arg in ("-c", item)]
    tui = Terminal([vtcode_bin(), *overrides], cwd=workspace)
    try:
        tui.wait_for(b"stub-model")
        tui.type("fetch it")
        tui.press("enter")
        tui.wait_for(b"Approval needed")  # first the command itself
        tui.wait_for(b"python3 fetch.py")
        time.sleep(QUIET_S + 0.1)  # a person reads first: a key right after the modal appears is no answer
        tui.press("y")
        tui.wait_for(f"asked.test:{port}".encode(), timeout=60)  # then the host, named with its port
        tui.wait_for(b"Deny [n]")
        screen = _text(tui.output())
        store = user_config_dir() / "egress-approved.json"
        for shown in ("tool     network", f"wants GET asked.test:{port}, which no sandbox.network rule",
                      "rule     sandbox.network", "Allow once [y]", "Allow for session [s]",
                      "This workspace [w]", f"saves [w] {store}"):
            assert shown in screen, shown
        assert "[a]" not in screen  # a host joins this workspace's list only: no "every workspace"
        assert served == []  # nothing reached the host while the question is open
        time.sleep(QUIET_S + 0.1)
        tui.press(key)
        tui.wait_for(b"the-turn-is-over", timeout=60)
        assert f"fetched {status}".encode() in tui.output()
        tui.press("ctrl+q")
        assert tui.wait_exit(10.0) == (0, None)
    finally:
        tui.kill()
    assert served == (["/wanted"] if status == 200 else [])
    events = _events(audit_dir)
    asked = [e["payload"] for e in events if e["type"] == "approval.requested"
             and e["payload"]["action"].get("tool") == "network"]  # type: ignore[index, union-attr]
    assert len(asked) == 1 and asked[0]["action"]["args"] == {"host": "asked.test", "port": port}  # type: ignore[index]
    answers = [e["payload"]["answer"] for e in events if e["type"] == "approval.answered"]  # type: ignore[index]
    assert answers[-1] == answer
    requests = [e["payload"] for e in events if e["type"] == "network.request"]
    assert [(r["host"], r["decision"]) for r in requests] == [  # type: ignore[index]
        ("asked.test", "allow" if status == 200 else "deny")]
    approved = user_config_dir() / "egress-approved.json"
    if answer == "allow-workspace":
        assert json.loads(approved.read_text()) == {str(workspace): [f"asked.test:{port}"]}
    else:
        assert not approved.exists()

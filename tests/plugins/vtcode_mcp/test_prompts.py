"""Prompts are the person's (MCP: user-controlled): `vtcode mcp prompts` lists them and fetches one filled
with arguments, from the reference server `server-everything`, printed neutralised and sent nowhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.mcp_servers import FIXTURES, node, npm_bin

VTCODE = str(Path(sys.executable).parent / "vtcode")


def vtcode(*args: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([VTCODE, "mcp", "prompts", *args, "--workspace", str(workspace)], env=env,
                          capture_output=True, text=True, timeout=180)


def test_prompts_are_listed_and_fetched_with_their_arguments(user_config, workspace):
    script = npm_bin("mcp-server-everything").resolve()
    user_config(f'[mcp.servers.everything]\ncommand = "{node()}"\nargs = ["{script}", "stdio"]\n'
                f'[mcp.servers.hostile]\ncommand = "{sys.executable}"\n'
                f'args = ["{FIXTURES / "hostile_server.py"}"]\n')
    listing = vtcode("--json", workspace=workspace)
    assert listing.returncode == 0, listing.stderr
    prompts = {p["name"]: p for p in json.loads(listing.stdout)["prompts"]["everything"]}
    city = prompts["args-prompt"]["arguments"][0]
    assert city["name"] == "city" and city["required"] is True
    got = vtcode("everything", "args-prompt", "--arg", "city=Paris", "--json", workspace=workspace)
    assert got.returncode == 0, got.stderr
    [message] = json.loads(got.stdout)["messages"]
    assert message["role"] == "user" and "Paris" in message["text"]
    # what a server chose is printed inert: no escape sequence or bidi character reaches the terminal
    text = vtcode(workspace=workspace)
    assert text.returncode == 0 and "review(code)" in text.stdout, text.stdout + text.stderr
    assert "\x1b" not in text.stdout and "\u202e" not in text.stdout and "\\x1b" in text.stdout
    missing = vtcode("everything", "args-prompt", workspace=workspace)  # a required argument left out
    assert missing.returncode == 2 and "args-prompt" in missing.stderr and "Traceback" not in missing.stderr
    unknown = vtcode("nosuch", "x", workspace=workspace)
    assert unknown.returncode == 2 and "not running" in unknown.stderr

"""docs/first-ten-minutes.md, followed as written: every `sh` block of the page runs, in order, in one bash
session with a fresh HOME (so vtcode's files land where the page says: ~/.config/vtcode,
~/.local/share/vtcode). The model server is an OpenAI-compatible server on 127.0.0.1 standing in for LM
Studio; the page's address is swapped for its address. The install block's `cd` and `pip install .` are
the one thing not repeated: the suite runs against the vtcode tox installed that way (a wheel of this
tree), and the page's command is checked to be the README's."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "first-ten-minutes.md"
PAGE_URL = "http://127.0.0.1:1234/v1"


def blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", PAGE.read_text(), flags=re.S)


def test_the_install_step_is_the_readmes() -> None:
    install = blocks()[0]
    assert "python3 -m pip install ." in install
    assert "python3 -m pip install ." in (ROOT / "README.md").read_text()
    assert "first-ten-minutes.md" in (ROOT / "mkdocs.yml").read_text()


def test_the_page_works_as_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    script = ["set -euo pipefail"]
    for block in blocks():
        for line in block.splitlines():
            if line.startswith(("cd vtcode", "python3 -m pip install .")):
                continue  # done by the test environment (see the module's docstring)
            script.append(line)
    answer = "calc.py defines add(a, b), but it subtracts: it should return a + b."
    reply_script = [
        Reply(tool_calls=[ToolCallReply("read_file", {"path": "calc.py"})]),
        Reply(text=answer),
    ]
    with OpenAIStub(reply_script) as stub:
        text = "\n".join(script).replace(PAGE_URL, stub.base_url)
        bindir = str(Path(sys.executable).parent)
        env = {
            "HOME": str(home),
            "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LANG": "C.UTF-8",
            # Isolated from this machine's /etc/vtcode, as a fresh machine is.
            "VTCODE_SYSTEM_CONFIG": str(tmp_path / "etc" / "vtcode.toml"),
            "VTCODE_MANAGED_CONFIG": str(tmp_path / "etc" / "managed.toml"),
        }
        done = subprocess.run(
            ["bash", "-c", text], env=env, cwd=home, capture_output=True, text=True, timeout=600
        )
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    out = done.stdout
    assert "demo passed" in out
    assert f"{home}/.config/vtcode/vtcode.toml: ok (vtcode)" in out
    assert "trusted" in out
    assert answer in out  # the first task's answer, from the model, on stdout
    assert "tool.started" in out and "read_file" in out  # audit tail shows the file the model read
    assert stub.chat_requests[0]["model"] == "qwen2.5-coder-7b-instruct"  # the page's configuration is used
    assert ": ok: " in out and "closed by session.ended" in out  # audit verify, on every log
    assert (home / ".local" / "share" / "vtcode" / "audit").is_dir()
    assert len(stub.chat_requests) == 2

"""litellm, against the local stub only: lazy import, no `.env` leak, no request to the internet, and the
same chunks as the other providers. Each check runs in a fresh interpreter, since litellm's import-time
behaviour is the thing under test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply, ToolCallReply, dead_url
from helpers.providers import SOCKET_AUDIT_PRELUDE

pytestmark = pytest.mark.slow

SCRIPT = SOCKET_AUDIT_PRELUDE + r"""
import os

import vtcode_litellm  # the plugin: must not import litellm yet
lazy = "litellm" not in sys.modules
from pydantic import SecretStr
from vtcode_hookspecs import ChatMessage, ChatRequest, ProviderError, ProviderSettings, ToolSpec
from vtcode_litellm.provider import LiteLLMProvider

settings = ProviderSettings(name="litellm", base_url=sys.argv[1], model="openai/stub-model",
                            api_key=SecretStr("sk-test-key"), timeout_s=10)
provider = LiteLLMProvider().configure(settings)
tool = ToolSpec(name="read_file", description="Read a file.", parameters={"type": "object"})
messages = [ChatMessage(role="user", content="hi")]
request = ChatRequest(model="openai/stub-model", messages=messages, tools=[tool])
try:
    chunks = [c.model_dump() for c in provider.chat(request)]
    error = None
except ProviderError as exc:
    chunks, error = [], {"kind": exc.kind, "message": str(exc)}
leaked = sorted(k for k in os.environ if k.startswith("DOTENV_"))
print(json.dumps({"lazy": lazy, "leaked": leaked, "openai_key": os.environ.get("OPENAI_API_KEY"),
                  "seen": seen, "chunks": chunks, "error": error}))
"""


def run_in(cwd: Path, base_url: str) -> dict[str, object]:
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("LITELLM", "OPENAI"))}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, base_url],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


@pytest.fixture
def hostile_cwd(tmp_path: Path) -> Path:
    """A cloned repository's root: a .env that would plant variables in vtcode's environment."""
    root = tmp_path / "repo"
    root.mkdir()
    (root / ".env").write_text("DOTENV_PLANTED=1\nOPENAI_API_KEY=sk-from-dotenv\nDOTENV_PROXY=http://evil\n")
    return root


def test_streams_text_and_tool_calls_without_dotenv_or_internet(hostile_cwd: Path) -> None:
    reply = Reply(text="hello from litellm", tool_calls=[ToolCallReply("read_file", {"path": "a.py"})])
    with OpenAIStub([reply], api_key="sk-test-key") as stub:
        answer = run_in(hostile_cwd, stub.base_url)
        sent = stub.chat_requests[0]
    assert answer["lazy"] is True
    assert answer["leaked"] == [] and answer["openai_key"] is None  # the .env was not loaded
    assert answer["error"] is None
    chunks = answer["chunks"]
    assert isinstance(chunks, list)
    assert "".join(c["text"] for c in chunks) == "hello from litellm"
    calls = [c["tool_call"] for c in chunks if c["tool_call"]]
    assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [("read_file", {"path": "a.py"})]
    assert chunks[-1]["finish_reason"] == "tool_calls"
    assert sent["model"] == "stub-model" and sent["tools"][0]["function"]["name"] == "read_file"
    seen = answer["seen"]
    assert isinstance(seen, list) and seen  # it did connect: to the stub, and nowhere else
    assert all("127.0.0.1" in s for s in seen), seen


def test_errors_map_to_kinds_without_the_key(hostile_cwd: Path) -> None:
    answer = run_in(hostile_cwd, dead_url())
    error = answer["error"]
    assert isinstance(error, dict) and error["kind"] == "connection", error
    assert "sk-test-key" not in error["message"]
    with OpenAIStub([Reply.failure(500, "boom")], api_key="sk-test-key") as stub:
        error = run_in(hostile_cwd, stub.base_url)["error"]
    assert isinstance(error, dict) and error["kind"] == "server" and "500" in error["message"], error


def test_importing_the_plugin_does_not_import_litellm(tmp_path: Path) -> None:
    # -I and another directory: the installed packages, never the source tree the tests run from.
    code = "import sys, vtcode_litellm; print('litellm' in sys.modules, 'httpx' in sys.modules)"
    result = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path)
    assert result.stdout.split() == ["False", "False"], result.stderr

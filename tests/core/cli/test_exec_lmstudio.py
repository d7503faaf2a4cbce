"""`vtcode exec` with LM Studio, as a real subprocess against a server on 127.0.0.1 answering LM Studio's
documented v1/v0 shapes: the loaded model is used; several loaded are named; none loaded is one line with
the fix; a model is loaded only for `--model` with `allow_load`; a model without tool use is warned about
once; a 401 says how to make a token; a start with the window cached makes no listing at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.lmstudio_stub import LMModel, LMStudioStub
from helpers.openai_stub import Reply, ToolCallReply

from vtcode.paths import user_config_dir

VTCODE = str(Path(sys.executable).parent / "vtcode")


def exec_(
    workspace: Path, lms: LMStudioStub, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [
        VTCODE,
        "exec",
        "--provider",
        "lmstudio",
        "--base-url",
        lms.base_url,
        "--workspace",
        str(workspace),
    ]
    return subprocess.run(
        [*argv, *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit"), **(env or {})},
    )


def allow_load() -> None:
    config = user_config_dir()
    config.mkdir(parents=True, exist_ok=True)
    (config / "vtcode.toml").write_text("[providers.lmstudio]\nallow_load = true\n")


def vtcode_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("vtcode:")]


@pytest.mark.parametrize("api", ["v1", "v0"])
def test_the_loaded_model_answers(workspace: Path, api: str) -> None:
    models = [LMModel("a/idle", max_context_length=65536), LMModel("qwen/qwen3-8b", loaded=32768)]
    with LMStudioStub(models, api=api, default=Reply(text="ok")) as lms:  # type: ignore[arg-type]
        result = exec_(workspace, lms, "hi")
        chats = lms.server.chat_requests
    assert result.returncode == 0, result.stderr
    assert [c["model"] for c in chats] == ["qwen/qwen3-8b"]
    assert not any("loaded" in line for line in vtcode_lines(result.stderr))  # one loaded: nothing to say


def test_several_loaded_says_which_and_how_to_choose(workspace: Path) -> None:
    models = [LMModel("first/model", loaded=32768), LMModel("second/model", loaded=32768)]
    with LMStudioStub(models, default=Reply(text="ok")) as lms:
        result = exec_(workspace, lms, "hi")
        chats = lms.server.chat_requests
    assert result.returncode == 0, result.stderr
    assert chats[0]["model"] == "first/model"
    assert any(
        "2 models are loaded (first/model, second/model); using first/model: choose with --model" in line
        for line in vtcode_lines(result.stderr)
    )


@pytest.mark.parametrize("allowed", [False, True])
def test_none_loaded_is_one_line_with_the_fix_and_nothing_is_loaded(workspace: Path, allowed: bool) -> None:
    if allowed:
        allow_load()  # allow_load alone is not consent to pick a model: --model must name it
    with LMStudioStub([LMModel("qwen/qwen3-8b"), LMModel("google/gemma-3-4b")]) as lms:
        result = exec_(workspace, lms, "hi")
        assert not lms.loads and not lms.server.chat_requests
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("vtcode: error:")]
    assert (
        len(errors) == 1
        and "no model is loaded (2 downloaded: qwen/qwen3-8b, google/gemma-3-4b)" in errors[0]
    )
    assert "`lms load qwen/qwen3-8b`" in errors[0]


def test_model_named_is_not_loaded_without_allow_load(workspace: Path) -> None:
    with LMStudioStub([LMModel("qwen/qwen3-8b")], default=Reply(text="ok")) as lms:
        result = exec_(workspace, lms, "--model", "qwen/qwen3-8b", "hi")
        assert not lms.loads  # the request goes out; LM Studio's own JIT loading may answer it
        assert lms.server.chat_requests[0]["model"] == "qwen/qwen3-8b"
    assert result.returncode == 0, result.stderr


def test_model_named_with_allow_load_is_loaded_with_the_window_vtcode_needs(workspace: Path) -> None:
    allow_load()
    models = [LMModel("qwen/qwen3-8b", max_context_length=131072), LMModel("other/loaded", loaded=8192)]
    with LMStudioStub(models, load_s=0.2, default=Reply(text="ok")) as lms:
        result = exec_(workspace, lms, "--model", "qwen/qwen3-8b", "hi")
        loads, chats = lms.loads, lms.server.chat_requests
        order = [r.path for r in lms.requests if r.method == "POST"]
    assert result.returncode == 0, result.stderr
    assert loads == [{"model": "qwen/qwen3-8b", "context_length": 32768}]
    assert order == ["/api/v1/models/load", "/v1/chat/completions"]  # loaded before it is asked
    assert chats[0]["model"] == "qwen/qwen3-8b"
    said = "\n".join(vtcode_lines(result.stderr))
    assert "loading qwen/qwen3-8b on lmstudio (4.7 GB, 32,768-token window)" in said
    assert "loaded qwen/qwen3-8b in " in said


def test_allow_load_on_an_lm_studio_without_the_load_api_does_not_try(workspace: Path) -> None:
    allow_load()
    with LMStudioStub([LMModel("qwen/qwen3-8b")], api="v0", default=Reply(text="ok")) as lms:
        result = exec_(workspace, lms, "--model", "qwen/qwen3-8b", "hi")
        assert "/api/v1/models/load" not in lms.paths("POST") and lms.server.chat_requests
    assert result.returncode == 0, result.stderr
    assert any("qwen/qwen3-8b is not loaded" in line for line in vtcode_lines(result.stderr))


def test_model_named_and_already_loaded_is_not_loaded_again(workspace: Path) -> None:
    allow_load()
    with LMStudioStub([LMModel("qwen/qwen3-8b", loaded=32768)], default=Reply(text="ok")) as lms:
        result = exec_(workspace, lms, "--model", "qwen/qwen3-8b", "hi")
        assert not lms.loads
    assert result.returncode == 0, result.stderr


def test_a_model_without_tool_use_is_warned_about_once(workspace: Path) -> None:
    (workspace / "a.txt").write_text("alpha\n")
    script = [
        Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]),
        Reply(tool_calls=[ToolCallReply("read_file", {"path": "a.txt"})]),
        Reply(text="alpha"),
    ]
    with LMStudioStub([LMModel("google/gemma-3-4b", loaded=32768, tool_use=False)], script=script) as lms:
        result = exec_(workspace, lms, "read a.txt")
    assert result.returncode == 0, result.stderr
    warnings = [line for line in vtcode_lines(result.stderr) if "does not advertise tool use" in line]
    assert len(warnings) == 1 and "google/gemma-3-4b" in warnings[0] and "`vtcode models`" in warnings[0]


def test_401_says_how_to_make_a_token_and_a_token_from_the_environment_works(workspace: Path) -> None:
    models = [LMModel("qwen/qwen3-8b", loaded=32768)]
    with LMStudioStub(models, token="sk-lm-1234", default=Reply(text="ok")) as lms:
        refused = exec_(workspace, lms, "hi", env={"LMSTUDIO_API_KEY": ""})
        accepted = exec_(workspace, lms, "hi", env={"LMSTUDIO_API_KEY": "sk-lm-1234"})
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    (error,) = [line for line in refused.stderr.splitlines() if line.startswith("vtcode: error:")]
    assert "HTTP 401" in error and "Manage Tokens" in error and "LMSTUDIO_API_KEY" in error
    assert accepted.returncode == 0, accepted.stderr


def test_a_token_from_the_secrets_file_works(workspace: Path) -> None:
    secrets = user_config_dir() / "secrets.toml"
    secrets.parent.mkdir(parents=True, exist_ok=True)
    secrets.write_text('lmstudio = "sk-from-file"\n')
    secrets.chmod(0o600)
    with LMStudioStub([LMModel("q/q", loaded=32768)], token="sk-from-file", default=Reply(text="ok")) as lms:
        result = exec_(workspace, lms, "hi", env={"LMSTUDIO_API_KEY": ""})
    assert result.returncode == 0, result.stderr


def test_a_named_model_with_its_window_cached_starts_without_listing(workspace: Path) -> None:
    """Detection and the window are remembered: the second start's only request is the chat."""
    with LMStudioStub([LMModel("qwen/qwen3-8b", loaded=32768)], default=Reply(text="ok")) as lms:
        first = exec_(workspace, lms, "--model", "qwen/qwen3-8b", "hi")
        assert first.returncode == 0, first.stderr
        before = len(lms.requests)
        second = exec_(workspace, lms, "--model", "qwen/qwen3-8b", "hi")
        assert second.returncode == 0, second.stderr
        assert [r.path for r in lms.requests[before:]] == ["/v1/chat/completions"]


def test_a_start_with_no_model_named_lists_once_on_the_remembered_api(workspace: Path) -> None:
    with LMStudioStub([LMModel("qwen/qwen3-8b", loaded=32768)], api="v0", default=Reply(text="ok")) as lms:
        exec_(workspace, lms, "hi")
        before = len(lms.requests)
        result = exec_(workspace, lms, "hi")
        assert result.returncode == 0, result.stderr
        assert [r.path for r in lms.requests[before:]] == ["/api/v0/models", "/v1/chat/completions"]


def test_a_workspace_cannot_allow_loading(workspace: Path) -> None:
    """allow_load is user-only like every provider key: a repository's vtcode.toml cannot make exec load."""
    from vtcode.workspace.trust import write_trust

    write_trust(workspace)
    (workspace / "vtcode.toml").write_text("[providers.lmstudio]\nallow_load = true\n")
    with LMStudioStub([LMModel("qwen/qwen3-8b")], default=Reply(text="ok")) as lms:
        result = exec_(workspace, lms, "--model", "qwen/qwen3-8b", "hi")
        assert not lms.loads and lms.server.chat_requests  # the run went on, without loading
    assert result.returncode == 0, result.stderr

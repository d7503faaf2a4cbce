"""The LM Studio load offer as a person meets it: `vtcode` in a real pseudo-terminal, real key presses
(arrow, Enter, Esc), against a server on 127.0.0.1 answering LM Studio's v1 API. Nothing loads
before the pick; the pick loads through /api/v1/models/load with a progress screen; Esc loads nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.lmstudio_stub import LMModel, LMStudioStub
from helpers.openai_stub import Reply
from helpers.screen_pty import Terminal

from vtcode.paths import user_config_dir

DOWN, ENTER, ESC = "\x1b[B", "\r", "\x1b"


def configure(base_url: str) -> None:
    config = user_config_dir()
    config.mkdir(parents=True, exist_ok=True)
    (config / "vtcode.toml").write_text(
        f'[providers]\nchain = ["lmstudio"]\nretries = 0\n[providers.lmstudio]\nbase_url = "{base_url}"\n'
    )


def library() -> list[LMModel]:
    return [
        LMModel("google/gemma-3-4b", tool_use=False, max_context_length=131072, size_bytes=3_034_755_901),
        LMModel("qwen/qwen3-8b", max_context_length=40960),
    ]


@pytest.mark.parametrize("token", [None, "sk-lm-pty"], ids=["auth-off", "auth-on"])
def test_pick_a_model_in_the_terminal_and_it_loads_with_progress(workspace: Path, token: str | None) -> None:
    stub = LMStudioStub(library(), load_s=2.0, token=token, default=Reply(text="hello from qwen"))
    with stub as lms:
        configure(lms.base_url)
        term = Terminal(workspace, workspace.parent / "audit", {"LMSTUDIO_API_KEY": token or ""})
        try:
            term.wait_for("Load a model on lmstudio?")
            term.wait_for("3.0 GB")  # the list: size, context length, tool use
            term.wait_for("up to 131,072 tokens")
            assert not lms.loads  # the offer is a question, not a load
            term.keys(DOWN, ENTER)
            term.wait_for("Loading qwen/qwen3-8b")  # the progress screen, while LM Studio loads
            term.wait_for("loading…")
            assert lms.loads == [{"model": "qwen/qwen3-8b", "context_length": 32768}]
            term.wait_for("Loaded qwen/qwen3-8b in", timeout=30)
            term.wait_for("lmstudio/qwen/qwen3-8b")  # the status bar names the model in use
            term.keys(*"hi", ENTER)
            term.wait_for("hello from qwen")
        finally:
            term.close()
        assert [c["model"] for c in lms.server.chat_requests] == ["qwen/qwen3-8b"]
        if token:  # every request, the load included, carried the token
            assert all(r.headers.get("authorization") == f"Bearer {token}" for r in lms.requests)


def test_a_refused_token_in_the_terminal_says_how_to_make_one(workspace: Path) -> None:
    with LMStudioStub(library(), token="sk-lm-right") as lms:
        configure(lms.base_url)
        term = Terminal(workspace, workspace.parent / "audit", {"LMSTUDIO_API_KEY": "sk-lm-wrong"})
        try:
            term.wait_for("HTTP 401")  # a long notice wraps: match short pieces
            term.wait_for("refused the API")
            term.wait_for("Manage")
        finally:
            term.close()
        assert not lms.loads and "sk-lm-wrong" not in term.screen


def test_an_older_lm_studio_in_the_terminal_gets_the_fix_not_an_offer(workspace: Path) -> None:
    with LMStudioStub(library(), api="v0") as lms:
        configure(lms.base_url)
        term = Terminal(workspace, workspace.parent / "audit")
        try:
            term.wait_for("no model is loaded")
            term.read_for(1.0)
            assert "Load a model on" not in term.screen
        finally:
            term.close()
        assert not lms.paths("POST")


def test_escape_in_the_terminal_loads_nothing(workspace: Path) -> None:
    with LMStudioStub(library()) as lms:
        configure(lms.base_url)
        term = Terminal(workspace, workspace.parent / "audit")
        try:
            term.wait_for("Load a model on lmstudio?")
            term.keys(ESC)
            term.wait_for("Nothing was loaded.")
            term.read_for(1.0)
        finally:
            term.close()
        assert not lms.loads and "/api/v1/models/load" not in lms.paths("POST")

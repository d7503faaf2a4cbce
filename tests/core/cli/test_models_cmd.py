"""`vtcode models [--provider NAME] [--json]`, as a real subprocess: each configured provider's models with
loaded state, window and tool use (LM Studio from its API, others from /v1/models), the one vtcode will
use marked; a provider that cannot be reached is one line and exit 1, the others still listed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.lmstudio_stub import LMModel, LMStudioStub
from helpers.openai_stub import OpenAIStub, dead_url

VTCODE = str(Path(sys.executable).parent / "vtcode")


def models(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VTCODE, "models", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ),
    )


def library() -> list[LMModel]:
    return [
        LMModel("text-embedding-nomic-embed-text-v1.5", type="embedding"),
        LMModel("google/gemma-3-4b", tool_use=False, max_context_length=131072, size_bytes=3_034_755_901),
        LMModel("qwen/qwen3-8b", loaded=16384, max_context_length=40960),
    ]


def test_lm_studio_models_with_state_window_tool_use_and_the_one_used(workspace: Path) -> None:
    with LMStudioStub(library()) as lms:
        result = models(workspace, "-c", f'providers.lmstudio.base_url="{lms.base_url}"')
        assert not lms.loads  # listing never loads
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("lmstudio  ") and "(API v1)" in lines[0]
    used = next(line for line in lines if "qwen/qwen3-8b" in line)
    other = next(line for line in lines if "gemma" in line)
    assert used.lstrip().startswith("* ") and "loaded" in used and "16,384 / 40,960" in used and "yes" in used
    assert "not loaded" in other and "131,072" in other and " no " in other and "3.0 GB" in other
    assert "embed" not in result.stdout


def test_json_for_every_configured_provider_and_an_unreachable_one(workspace: Path) -> None:
    with LMStudioStub(library(), api="v0") as lms, OpenAIStub(models=["m1", "m2"]) as plain:
        result = models(
            workspace,
            "--json",
            "-c",
            f'providers.lmstudio.base_url="{lms.base_url}"',
            "-c",
            'providers.chain=["lmstudio", "plain"]',
            "-c",
            'providers.plain.provider="openai-compat"',
            "-c",
            f'providers.plain.base_url="{plain.base_url}"',
            "-c",
            'providers.gone.provider="openai-compat"',
            "-c",
            f'providers.gone.base_url="{dead_url()}"',
        )
    assert result.returncode == 1  # one provider could not be reached
    reports = {r["name"]: r for r in json.loads(result.stdout)["providers"]}
    assert list(reports) == ["lmstudio", "plain", "gone"]
    fields = {"name", "base_url", "api", "uses", "how", "notes", "error", "models"}
    assert all(set(r) == fields for r in reports.values())  # as docs/providers.md lists them
    lm = reports["lmstudio"]
    assert (lm["api"], lm["uses"], lm["how"], lm["error"]) == ("v0", "qwen/qwen3-8b", "loaded", None)
    assert [(m["id"], m["loaded"], m["context_length"], m["tool_use"]) for m in lm["models"]] == [
        ("qwen/qwen3-8b", True, 16384, True),
        ("google/gemma-3-4b", False, 131072, False),
    ]
    plain_report = reports["plain"]
    assert [m["id"] for m in plain_report["models"]] == ["m1", "m2"] and plain_report["uses"] == "m1"
    assert all(m["loaded"] is None for m in plain_report["models"])  # /v1/models does not say
    assert reports["gone"]["error"].startswith("no server at") and reports["gone"]["models"] == []


def test_provider_option_lists_only_that_one_and_none_loaded_is_a_note(workspace: Path) -> None:
    with LMStudioStub([LMModel("qwen/qwen3-8b")]) as lms:
        result = models(workspace, "--provider", "lmstudio", "--base-url-is-not-an-option")
        assert result.returncode == 2 and "No such option" in result.stderr
        result = models(
            workspace, "--provider", "lmstudio", "-c", f'providers.lmstudio.base_url="{lms.base_url}"'
        )
    assert result.returncode == 0, result.stderr
    assert (
        "note: lmstudio: no model is loaded" in result.stdout and "`lms load qwen/qwen3-8b`" in result.stdout
    )
    assert not any(line.startswith("  * ") for line in result.stdout.splitlines())  # nothing would answer


def test_401_is_one_line_with_the_token_advice(workspace: Path) -> None:
    with LMStudioStub(library(), token="sk-lm") as lms:
        result = models(workspace, "-c", f'providers.lmstudio.base_url="{lms.base_url}"')
    assert result.returncode == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("lmstudio: error: ") and "HTTP 401" in line and "Manage Tokens" in line


def test_unknown_provider_is_a_one_line_error(workspace: Path) -> None:
    result = models(workspace, "--provider", "nope")
    assert result.returncode == 2 and result.stdout.startswith("nope: error: ")
    assert "no provider named 'nope'" in result.stdout.splitlines()[0]
    assert "Traceback" not in result.stderr

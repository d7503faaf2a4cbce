"""`--resume ID` takes an id, never a path; a session file whose content is another session is refused.

The review's attack: `--resume ../../../../tmp/x/planted` loaded a file from anywhere, sent its edited
system prompt to the model, and saved it into the store (over an existing session of the same id)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.openai_stub import OpenAIStub, Reply

VTCODE = str(Path(sys.executable).parent / "vtcode")


def _exec(workspace: Path, stub: OpenAIStub, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [VTCODE, "exec", "--provider", "openai-compat", "--base-url", stub.base_url,
            "--model", "stub-model", "--workspace", str(workspace), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                          env={**os.environ, "VTCODE_AUDIT_DIR": str(workspace.parent / "audit")})


def _first_session(workspace: Path) -> str:
    with OpenAIStub([Reply(text="first")]) as stub:
        first = _exec(workspace, stub, "start")
    return first.stderr.split("--resume ")[1].split()[0]


@pytest.mark.parametrize(
    "spelled",
    ["../../../../{planted}", "{planted_abs}", "./{id}", "{id}/", "{id}.md", "..", ".", "", "a/b", "a\\b",
     "{id}\n", "-{id}", "x" * 129, "{id} ", "\u0661\u0662"],
)
def test_an_id_that_is_not_of_vtcodes_form_is_refused_and_nothing_is_sent_or_saved(
    workspace: Path, isolated_user_dirs: Path, tmp_path: Path, spelled: str
) -> None:
    session_id = _first_session(workspace)
    sessions = isolated_user_dirs / "data" / "sessions"
    planted_dir = tmp_path / "x"
    planted_dir.mkdir()
    planted = planted_dir / f"{session_id}.md"
    planted.write_text((sessions / f"{session_id}.md").read_text().replace("first", "PLANTED PROMPT"))
    rel = os.path.relpath(planted.with_suffix(""), sessions)
    value = spelled.format(planted=rel, planted_abs=planted.with_suffix(""), id=session_id)
    before = {p.name: p.read_bytes() for p in sessions.iterdir()}
    with OpenAIStub([Reply(text="should not be asked")]) as stub:
        result = _exec(workspace, stub, "--resume", value, "go on")
        asked = stub.chat_requests
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("vtcode: error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert asked == []  # nothing reached the model
    assert {p.name: p.read_bytes() for p in sessions.iterdir()} == before  # nothing saved or replaced


def test_a_session_file_holding_another_session_is_refused(workspace: Path, isolated_user_dirs: Path) -> None:
    victim = _first_session(workspace)
    other = _first_session(workspace)
    sessions = isolated_user_dirs / "data" / "sessions"
    # A file copied (or planted) under the victim's name, holding another session with an edited prompt.
    planted = (sessions / f"{other}.md").read_text().replace("first", "PLANTED PROMPT")
    (sessions / f"{victim}.md").write_text(planted)
    with OpenAIStub([Reply(text="should not be asked")]) as stub:
        result = _exec(workspace, stub, "--resume", victim, "go on")
        asked = stub.chat_requests
    assert result.returncode == 2 and f"holds session '{other}'" in result.stderr, result.stderr
    assert asked == []
    assert (sessions / f"{victim}.md").read_text() == planted  # reported, not overwritten

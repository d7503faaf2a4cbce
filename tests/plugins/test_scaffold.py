"""`vtcode plugins new`, for real: every family's scaffold is generated, built into a wheel, installed with
vtcode into a fresh venv, passes its own tests there, shows as needs-approval, is approved, and works
(the tools family's tool is used by the agent loop over the real stack)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from importlib import metadata
from pathlib import Path

import pytest
from helpers.distributions import build_wheel
from helpers.venv import REPO, Venv, link_dependencies
from vtcode_hookspecs import FAMILIES

from vtcode.scaffold import plugin_names, scaffold

pytestmark = pytest.mark.slow


def _name(family: str) -> str:
    return "sc-" + family.replace("_", "-")


def _link_pytest(deps: Path) -> None:
    """The scaffolds' tests need pytest in the venv: link it and its dependencies (offline, like vtcode's)."""
    link_dependencies(deps, of="pytest")
    dist = metadata.distribution("pytest")
    for top in {str(f).split("/")[0] for f in dist.files or () if not str(f).startswith("..")}:
        source = Path(str(dist.locate_file(top)))
        if source.exists() and not (deps / top).exists():
            (deps / top).symlink_to(source)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Venv, dict[str, Path]]:
    root = tmp_path_factory.mktemp("scaffold")
    (root / "src").mkdir()
    wheels = [build_wheel(REPO, root / "wheels")]
    projects = {}
    for family in FAMILIES:
        projects[family] = scaffold(plugin_names(_name(family)), family, root / "src")
        wheels.append(build_wheel(projects[family], root / "wheels"))
    env = Venv(root / "venv")
    env.install(*wheels)
    _link_pytest(env.root / "deps")
    return env, projects


def _rows(env: Venv, cwd: Path) -> dict[str, dict[str, object]]:
    result = env.vtcode("plugins", "list", "--json", cwd=cwd)
    return {row["name"]: row for row in json.loads(result.stdout)["plugins"]}


@pytest.mark.parametrize("family", FAMILIES)
def test_scaffold_installs_passes_its_tests_and_needs_approval(
    family: str, installed: tuple[Venv, dict[str, Path]], tmp_path: Path
) -> None:
    env, projects = installed
    names = plugin_names(_name(family))
    own = subprocess.run(
        [str(env.python), "-P", "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=projects[family],
        env=_clean_env(),
        text=True,
        capture_output=True,
        timeout=300,
    )
    assert own.returncode == 0, own.stdout + own.stderr
    assert " passed" in own.stdout and "is not installed" not in own.stdout, own.stdout

    row = _rows(env, tmp_path)[names.entry]
    assert row["status"] == "needs-approval" and not row["registered"]
    assert (row["distribution"], row["hook_families"]) == (names.dist, [family])

    approved = env.vtcode("plugins", "approve", names.dist, cwd=tmp_path)
    assert f"approved {names.dist} 0.1.0" in approved.stdout and f"hook families: {family}" in approved.stdout
    row = _rows(env, tmp_path)[names.entry]
    assert row["status"] == "signed-off", row["reason"]
    if family != "review":
        assert row["registered"] == {family: [_registered_name(family, names.entry, names.name)]}


def _registered_name(family: str, entry: str, name: str) -> str:
    return {"tools": "word_count", "commands": name}.get(family, entry)


def test_approved_command_runs_from_the_cli(installed: tuple[Venv, dict[str, Path]], tmp_path: Path) -> None:
    env, _ = installed
    names = plugin_names(_name("commands"))
    (tmp_path / "a.py").write_text("")
    assert env.vtcode(names.name, "--json", cwd=tmp_path, check=False).returncode != 0  # not approved yet
    env.vtcode("plugins", "approve", names.dist, cwd=tmp_path)
    result = env.vtcode(names.name, str(tmp_path), "--json", cwd=tmp_path)
    assert json.loads(result.stdout) == {".py": 1}


AGENT_SCRIPT = """
import json, sys
from pathlib import Path

from vtcode.agent import Agent, AgentLimits, ProviderBackend, SessionSaver, new_session
from vtcode.agent.stack import open_stack
from vtcode.runtime import open_runtime
from vtcode.testing import ScriptedApprover, ScriptedModel, answer_turn, tool_call_turn, trusted_workspace

root = trusted_workspace(Path(sys.argv[1]))
runtime = open_runtime(root, attach_sinks=False)
approver = ScriptedApprover(["allow-once"])
stack = open_stack(runtime, root, asker=approver)
model = ScriptedModel([tool_call_turn("word_count", path="notes.txt"), answer_turn("counted")])
agent = Agent(
    ProviderBackend(model), stack.runner, stack.specs, runtime.bus,
    model="scripted-replay", limits=AgentLimits(), saver=SessionSaver(None, runtime.bus),
)
outcome, _ = agent.run(new_session(runtime.bus.session, root, model="scripted-replay", provider="t"), "count")
tool_message = next(m for m in model.requests[-1].messages if m.role == "tool")
started = [e.payload for e in runtime.bus.history if e.type == "tool.started"]
print(json.dumps({
    "reason": outcome.reason.value,
    "answer": outcome.answer,
    "tool_result": tool_message.content,
    "offered": [s.name for s in model.requests[0].tools],
    "started": started,
}))
"""


def test_the_agent_uses_the_approved_tool(installed: tuple[Venv, dict[str, Path]], tmp_path: Path) -> None:
    env, _ = installed
    names = plugin_names(_name("tools"))
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "notes.txt").write_text("one two\nthree\n")
    script = tmp_path / "agent.py"
    script.write_text(textwrap.dedent(AGENT_SCRIPT))
    run = [str(env.python), "-P", str(script), str(workspace)]

    before = subprocess.run(run, env=_clean_env(), text=True, capture_output=True, timeout=120)
    assert before.returncode == 0, before.stderr
    assert "word_count" not in json.loads(before.stdout)["offered"], "not approved: not offered to the model"

    env.vtcode("plugins", "approve", names.dist, cwd=tmp_path)
    after = subprocess.run(run, env=_clean_env(), text=True, capture_output=True, timeout=120)
    assert after.returncode == 0, after.stderr
    result = json.loads(after.stdout)
    assert result["reason"] == "finished" and result["answer"] == "counted"
    assert "word_count" in result["offered"]
    assert "notes.txt: 2 lines, 3 words, 14 bytes" in result["tool_result"]
    assert [(e["tool"], e["plugin"]) for e in result["started"]] == [("word_count", names.entry)]


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def test_the_installed_wheel_ships_the_templates(
    installed: tuple[Venv, dict[str, Path]], tmp_path: Path
) -> None:
    env, projects = installed
    made = env.vtcode("plugins", "new", "sc-tools", "--output", str(tmp_path), cwd=tmp_path)
    assert "created" in made.stdout
    ours, theirs = projects["tools"], tmp_path / "vtcode-sc-tools"
    files = sorted(str(p.relative_to(ours)) for p in ours.rglob("*") if _source(p))
    assert files == sorted(str(p.relative_to(theirs)) for p in theirs.rglob("*") if _source(p))
    assert all((ours / f).read_bytes() == (theirs / f).read_bytes() for f in files)


def _source(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts

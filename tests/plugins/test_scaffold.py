"""`vtcode plugins new`, for real: every family's scaffold is generated, built into a wheel, installed with
vtcode into a fresh venv, passes its own tests there, shows as needs-approval, is approved, and works
(the tools family's tool is used by the agent loop over the real stack)."""

from __future__ import annotations

import json
import subprocess
import sys
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


def _link_pytest(deps: Path, name: str = "pytest") -> None:
    """The scaffolds' tests need pytest in the venv: link it and its dependencies (offline, like vtcode's)."""
    link_dependencies(deps, of=name)
    dist = metadata.distribution(name)
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
    assert " passed" in own.stdout and f"{names.dist} is not installed" not in own.stdout, own.stdout
    skipped = [line for line in own.stdout.splitlines() if line.startswith("SKIPPED")]
    # The only skip allowed: the sandbox example's confined run where bwrap is missing or cannot confine
    # (a fresh machine has no bwrap; .ci/run installs it so that CI runs it).
    assert all(family == "sandboxes" and ": bwrap " in line for line in skipped), skipped

    row = _rows(env, tmp_path)[names.entry]
    assert row["status"] == "needs-approval" and not row["registered"]
    assert (row["distribution"], row["hook_families"]) == (names.dist, [family])

    approved = env.vtcode("plugins", "approve", names.dist, cwd=tmp_path)
    assert f"approved {names.dist} 0.1.0" in approved.stdout and f"hook families: {family}" in approved.stdout
    row = _rows(env, tmp_path)[names.entry]
    assert row["status"] == "signed-off", row["reason"]
    if family not in ("review", "lifecycle", "config"):  # plain hooks, not registries: nothing registered
        assert row["registered"] == {family: [_registered_name(family, names.entry, names.name)]}


def _registered_name(family: str, entry: str, name: str) -> str:
    return {"commands": name}.get(family, entry)


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
model = ScriptedModel([tool_call_turn("sc_tools", path="notes.txt"), answer_turn("counted")])
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
    assert "sc_tools" not in json.loads(before.stdout)["offered"], "not approved: not offered to the model"

    env.vtcode("plugins", "approve", names.dist, cwd=tmp_path)
    after = subprocess.run(run, env=_clean_env(), text=True, capture_output=True, timeout=120)
    assert after.returncode == 0, after.stderr
    result = json.loads(after.stdout)
    assert result["reason"] == "finished" and result["answer"] == "counted"
    assert "sc_tools" in result["offered"]
    assert "notes.txt: 2 lines, 3 words, 14 bytes" in result["tool_result"]
    assert [(e["tool"], e["plugin"]) for e in result["started"]] == [("sc_tools", names.entry)]


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
    assert all((ours / f).read_bytes() == (theirs / f).read_bytes() for f in files if f != "README.md")
    # The README names where each one's vtcode came from (a wheel there, maybe a source tree here).
    assert _without_origin(ours / "README.md") == _without_origin(theirs / "README.md")


def _without_origin(readme: Path) -> list[str]:
    return [
        line
        for line in readme.read_text().splitlines()
        if "vtcode came" not in line and "on PyPI (or" not in line
    ]


def _source(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts


def _develop_steps(readme: str) -> list[str]:
    block = readme.split("## Develop", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("#", 1)[0].strip() for line in block.splitlines() if line.split("#", 1)[0].strip()]


@pytest.mark.parametrize("mode", ["editable", "plain"])
def test_the_readme_develop_steps_work_editable_and_plain(
    mode: str, installed: tuple[Venv, dict[str, Path]], tmp_path: Path
) -> None:
    """The generated README's steps, followed in a new venv (offline: dependencies are linked, so each
    `pip install` gets `--no-deps --no-index`), then `python -m pytest` as an author types it."""
    from vtcode.scaffold.origin import vtcode_origin

    project = scaffold(plugin_names("sc-dev"), "tools", tmp_path)
    steps = _develop_steps((project / "README.md").read_text())
    assert steps[0].startswith("python -m venv") and steps[-1] == "python -m pytest"
    origin = vtcode_origin()
    installs = [s for s in steps if s.startswith("pip install")]
    if origin is None:  # vtcode came from an index: `pip install -e '.[test]'` finds it there
        assert installs == ["pip install -e '.[test]'"]
    else:  # vtcode is not on PyPI (yet): the README installs it from where it came
        assert installs == [f"pip install {origin}", "pip install -e '.[test]'"]
    env = Venv(tmp_path / "venv")
    _link_pytest(env.root / "deps")
    _link_pytest(env.root / "deps", "hatchling")  # pip builds the project with the venv's own python
    offline = ["--no-deps", "--no-index", "--no-build-isolation", "--quiet", "--disable-pip-version-check"]
    vtcode_wheel = next((installed[0].root.parent / "wheels").glob("vtcode-*.whl"))
    for step in installs:
        target = step.removeprefix("pip install ").strip("'")
        if ".[test]" in step:  # the plugin itself, as the README says or its plain variant
            argv = ["-e", "."] if mode == "editable" else ["."]
        elif Path(target).is_dir():
            argv = [str(vtcode_wheel)]  # that source tree, built: the wheel the fixture built from it
        else:
            argv = [target]
        done = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(env.python), "install", *offline, *argv],
            cwd=project, text=True, capture_output=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"{step}: {done.stdout}{done.stderr}"
    if origin is None:
        env.install(vtcode_wheel)
    own = subprocess.run(
        [str(env.python), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=project, env=_clean_env(), text=True, capture_output=True, timeout=300,
    )  # fmt: skip
    assert own.returncode == 0, own.stdout + own.stderr
    assert "passed" in own.stdout and "skipped" not in own.stdout, own.stdout  # test_install ran too


def test_names_follow_the_plugins_name(tmp_path: Path) -> None:
    project = scaffold(plugin_names("hello"), "tools", tmp_path)
    text = "".join(p.read_text() for p in project.rglob("*") if p.is_file())
    assert "word_count" not in text and "WordCount" not in text
    assert 'name = "hello"' in (project / "vtcode_hello" / "tool.py").read_text()
    assert "The hello tool" in (project / "README.md").read_text()

"""A fresh machine passes the tests: every system program the suite looks up or starts by name is provided
by a Debian package that `.ci/run` installs (a fresh machine has only Python, pip, gcc, git, node/npm and
apt). The scaffold's `sandboxes` case once needed `bwrap`, which nothing installed: CI passed only on a
machine where it had been installed by hand. A new program in a test fails here until its package is
listed."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Program -> the Debian package providing it. Bench-only programs are optional baselines (skipped when
# absent), listed so that a new one is a decision, not an accident.
PACKAGES = {
    "bash": "bash",
    "sh": "dash",  # essential on Debian
    "gcc": "gcc",
    "cc": "gcc",
    "git": "git",
    "bwrap": "bubblewrap",
    "unshare": "util-linux",
    "mount": "mount",  # the checkpoint watcher's mount case (tests/core/checkpoints/test_watcher.py)
    "umount": "mount",
    "make": "make",  # the policy reviews' real-tool witnesses: make, ed, jq, file
    "ed": "ed",
    "jq": "jq",
    "file": "file",
    "node": "nodejs",  # the MCP reference servers (tests/plugins/vtcode_mcp)
}
BENCH_ONLY = {"ctags": "universal-ctags", "fzf": "fzf", "apt-get": "apt"}
OURS = {"vtcode"}
ESSENTIAL = {"dash", "apt"}  # on every Debian system, nothing to install
# On every machine this project runs on (the brief's fresh machine: Python, pip, gcc, git, node/npm, apt).
# apt's nodejs is not installed over it: a NodeSource or nvm node would be shadowed or replaced.
GIVEN = {"nodejs"}
LOOKUPS = re.compile(
    r"""(?:shutil\.which|\bwhich)\(\s*"([\w+.-]+)"\s*\)"""
    r"""|(?:subprocess\.(?:run|Popen|check_output|check_call)|PtyProcess\.spawn|Terminal)\(\s*\[\s*"([\w+.-]+)\""""
)


def _programs() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for top in ("tests", "vtcode", "plugins"):
        for path in (ROOT / top).rglob("*.py"):
            for match in LOOKUPS.finditer(path.read_text(encoding="utf-8")):
                name = match.group(1) or match.group(2)
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def _ci_packages() -> set[str]:
    text = (ROOT / ".ci" / "run").read_text()
    listed = re.search(r"^PACKAGES=\(([^)]*)\)", text, flags=re.M)
    assert listed, ".ci/run must list the system packages in PACKAGES=(...)"
    return set(listed.group(1).split())


def test_every_program_the_suite_uses_is_installed_by_ci() -> None:
    programs = _programs()
    assert {"bash", "bwrap", "git"} <= set(programs), programs  # the scan finds what it should
    unknown = {name: files for name, files in programs.items() if name not in {*PACKAGES, *BENCH_ONLY, *OURS}}
    assert not unknown, f"add these programs' packages to PACKAGES here and in .ci/run: {unknown}"
    missing = {package for package in PACKAGES.values() if package not in ESSENTIAL | GIVEN} - _ci_packages()
    assert not missing, f".ci/run does not install {sorted(missing)}"


def test_ci_runs_the_readmes_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'python3 -m pip install "tox>=4.11,<5" && python3 -m tox -e py311' in readme
    assert "tox -e py311" in ci and "apt-get install" in ci


def test_start_up_benchmarks_run_the_wheel_install() -> None:
    """A benchmark that starts `vtcode` takes it from tests/bench/installed.py (a wheel install, as users
    have), never from the environment running the benchmarks, which may be an editable tree."""
    for path in (ROOT / "tests" / "bench").glob("bench_*.py"):
        text = path.read_text()
        assert 'parent / "vtcode"' not in text, f"{path.name}: use installed.wheel_vtcode()"
    for name in ("bench_startup.py", "bench_agent.py", "bench_tui.py", "bench_policy.py"):
        assert "wheel_vtcode()" in (ROOT / "tests" / "bench" / name).read_text(), name

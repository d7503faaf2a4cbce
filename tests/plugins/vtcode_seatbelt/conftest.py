"""A real directory tree laid out like a Mac user's, and the profile the backend writes for it.

Real `git init` repositories (the workspace's, a nested one, a submodule's git dir under modules/ and a
linked worktree's), a home with a real `~/.ssh` and a `~/.aws` that is a symlink elsewhere, toolchains
under the home reached through PATH, and a `tmp -> private/tmp` symlink like macOS's `/tmp`.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.sbpl import Profile, parse
from vtcode_hookspecs import SandboxMode, SandboxRequest
from vtcode_seatbelt.plan import ProfilePlan, plan_for
from vtcode_seatbelt.profile import build_profile

# The core's protected paths for a workspace (vtcode.sandbox.kernel_protected_paths' shape).
# tools/git-hooks/ stands for what a repository's core.hooksPath names inside the workspace.
PROTECTED_NAMES = (".git/hooks/", ".git/config", ".git/info/attributes", ".vt-workspace-trust", "vtcode.toml",
                   ".vtcode/", ".bashrc", ".zshrc", ".envrc", "tools/git-hooks/")
MARKERS = ("/private/var/empty/vtcode-sandbox-yes", "/private/var/empty/vtcode-sandbox-no")


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"})


@dataclass
class World:
    root: Path
    ws: Path
    home: Path
    tmp: Path
    other: Path  # a neighbouring project
    path_env: str

    def request(self, mode: SandboxMode = "workspace-write", network: bool = False,
                read_roots: tuple[str, ...] = (), workspace: Path | None = None) -> SandboxRequest:
        ws = workspace or self.ws
        return SandboxRequest(
            argv=("/bin/true",), cwd=str(ws), workspace=str(ws), mode=mode, network=network,
            env={"PATH": self.path_env}, read_roots=read_roots,
            protected_paths=tuple(
                str(ws / name) + ("/" if name.endswith("/") else "") for name in PROTECTED_NAMES
            ),
        )

    def plan(self, **kwargs: object) -> ProfilePlan:
        request = self.request(**kwargs)  # type: ignore[arg-type]
        return plan_for(request, home=str(self.home), tmp_dir=str(self.tmp), markers=MARKERS)

    def profile(self, precedence: str = "last-match", terminal: bool = False, **kwargs: object) -> Profile:
        plan = self.plan(**kwargs)
        if terminal:  # the command runs on a PTY vtcode made (shell_session)
            plan = dataclasses.replace(plan, terminal=True)
        built = build_profile(plan)
        return parse(built.text, built.params, precedence)


def make_world(root: Path, *, root_git: bool = True) -> World:
    ws = root / "Users/dev/project"
    home = root / "Users/dev"
    (ws / "src").mkdir(parents=True)
    (ws / "src/main.py").write_text("print('hi')\n")
    if root_git:
        git("init", "-q", cwd=ws)
        # A submodule's git dir and a linked worktree's, as git lays them out.
        sub = ws / ".git/modules/libs/m"
        (sub / "objects").mkdir(parents=True)
        (sub / "refs").mkdir()
        (sub / "HEAD").write_text("ref: refs/heads/main\n")
        wt = ws / ".git/worktrees/w"
        wt.mkdir(parents=True)
        (wt / "HEAD").write_text("ref: refs/heads/w\n")
        (wt / "commondir").write_text("../..\n")
    (ws / "vendor/lib").mkdir(parents=True)
    git("init", "-q", cwd=ws / "vendor/lib")  # a nested repository
    (home / ".ssh").mkdir()
    (home / ".ssh/id_rsa").write_text("KEY")
    keys = root / "Volumes/keys/aws"
    keys.mkdir(parents=True)
    (keys / "credentials").write_text("AWS")
    (home / ".aws").symlink_to(keys)  # a symlinked secret: denied under both spellings
    for tool in (".pyenv/shims", ".pyenv/versions/3.12.1/bin", ".cargo/bin", ".rustup/toolchains/stable/bin",
                 ".nvm/versions/node/v20.11.0/bin", ".local/share/uv/python/cpython-3.12/bin", "venvs/a/bin",
                 "bin"):
        (home / tool).mkdir(parents=True)
    real_python = home / ".local/share/uv/python/cpython-3.12/bin/python3.12"
    real_python.write_text("")
    (home / "venvs/a/bin/python3").symlink_to(real_python)  # a venv made by uv, interpreter under ~
    (home / "Documents").mkdir()
    (root / "private/tmp/tools").mkdir(parents=True)
    (root / "tmp").symlink_to(root / "private/tmp")  # like macOS's /tmp -> /private/tmp
    tmp = root / "private/tmp/vtcode-sandbox-1"
    tmp.mkdir()
    other = root / "Users/dev/other-project"
    other.mkdir()
    path_env = os.pathsep.join([
        "/usr/bin", "/bin", str(home / ".pyenv/shims"), str(home / ".cargo/bin"),
        str(home / ".nvm/versions/node/v20.11.0/bin"), str(home / "venvs/a/bin"), str(home / "bin"),
    ])
    return World(root.resolve(), ws.resolve(), home.resolve(), tmp.resolve(), other.resolve(), path_env)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """Shared by a module's tests: none of them changes the tree."""
    return make_world(tmp_path_factory.mktemp("mac"))


@pytest.fixture(scope="module")
def new_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A workspace without a repository yet."""
    return make_world(tmp_path_factory.mktemp("mac-new"), root_git=False)


WorldFactory = Callable[..., World]

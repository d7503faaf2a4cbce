"""One trusted workspace for the attack corpus, shared by the module: a symlink `etc-link -> /etc`, a nested
repository `sub/.git`, ordinary files, and a fake home holding ~/.ssh/id_rsa. The engine is the real one,
built from the shipped default policy exactly as `vtcode check` builds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vtcode.policy.assemble import PolicySetup, open_policy
from vtcode.workspace import write_trust


def build_workspace(base: Path) -> tuple[Path, Path]:
    home = base / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN FAKE KEY-----\n")
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\n")
    ws = base / "ws"
    (ws / "src").mkdir(parents=True)
    (ws / "sub" / ".git" / "hooks").mkdir(parents=True)
    (ws / ".git" / "hooks").mkdir(parents=True)
    # A committed bare repository: git run in it reads its config, which names a program to run.
    bare = ws / "bare.git"
    for sub in ("objects", "refs/heads"):
        (bare / sub).mkdir(parents=True)
    (bare / "HEAD").write_text("ref: refs/heads/main\n")
    (bare / "config").write_text("[core]\n\tbare = true\n[diff]\n\texternal = ./evil.sh\n")
    (ws / "etc-link").symlink_to("/etc")
    (ws / "a.txt").write_text("a\n")
    (ws / "README.md").write_text("# readme\n")
    (ws / "src" / "a.py").write_text("print(1)\n")
    return ws.resolve(), home.resolve()


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolicySetup]:
    base = tmp_path_factory.mktemp("policy")
    ws, home = build_workspace(base)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        for name in ("CONFIG", "CACHE", "DATA"):
            mp.setenv(f"VTCODE_{name}_DIR", str(base / "vtcode" / name.lower()))
        mp.setenv("VTCODE_SYSTEM_CONFIG", str(base / "etc" / "vtcode.toml"))
        mp.setenv("VTCODE_MANAGED_CONFIG", str(base / "etc" / "managed.toml"))
        write_trust(ws)
        setup = open_policy(ws, reviewers=False)
        assert setup.config.trust.trusted, setup.config.trust.reason
        yield setup

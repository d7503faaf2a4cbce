"""The user's own git configuration stays read-only in full-access (the outside review's F7).

The Linux invariants (docs/security/sandbox.md) say the user's host-side git runs nothing a command
planted; full-access lets a command write anywhere, so the global config, the XDG one, the system one,
their includes and the hooks directory they name must be denied by the profile itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.sbpl import parse
from vtcode_seatbelt.plan import plan_for
from vtcode_seatbelt.profile import build_profile

from .conftest import MARKERS, World, make_world

CASES = [
    ("file-write-data", "{home}/.gitconfig"),
    ("file-write-unlink", "{home}/.gitconfig"),  # replaced by a rename
    ("file-write-data", "{home}/.GITCONFIG"),
    ("file-write-create", "{home}/.config/git/config"),  # the XDG default, not there yet
    ("file-write-create", "{home}/.config/git"),  # `mv $TMPDIR/git ~/.config/git` carries one in
    ("file-write-create", "{home}/xdg/git/config"),  # $XDG_CONFIG_HOME's
    ("file-write-data", "{home}/dotfiles/git-extra"),  # include.path
    ("file-write-create", "{home}/dotfiles/work.inc"),  # includeIf ... path
    ("file-write-create", "{home}/.git-hooks/pre-commit"),  # core.hooksPath, global
    ("file-write-data", "{home}/bin/git-pager"),  # core.pager names a program
    ("file-write-data", "/private/etc/gitconfig"),
]


@pytest.fixture(scope="module")
def git_home_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    world = make_world(tmp_path_factory.mktemp("mac-gitconfig"))
    home = world.home
    (home / "dotfiles").mkdir()
    (home / ".gitconfig").write_text(
        "[include]\n\tpath = dotfiles/git-extra\n[core]\n\thooksPath = ~/.git-hooks\n"
        '[includeIf "gitdir:~/work/"]\n\tpath = ~/dotfiles/work.inc\n'
    )
    (home / "dotfiles/git-extra").write_text("[core]\n\tpager = ~/bin/git-pager -R\n")
    (home / ".git-hooks").mkdir()
    return world


def _profile(world: World, mode: str) -> object:
    request = world.request(mode=mode)  # type: ignore[arg-type]
    request = request.model_copy(update={"env": {**request.env, "XDG_CONFIG_HOME": str(world.home / "xdg")}})
    built = build_profile(plan_for(request, home=str(world.home), tmp_dir=str(world.tmp), markers=MARKERS))
    return parse(built.text, built.params)


@pytest.mark.parametrize(("op", "path"), CASES, ids=[f"{op}-{p}" for op, p in CASES])
@pytest.mark.parametrize("mode", ["full-access", "workspace-write"])
def test_the_users_git_configuration_is_read_only_in_every_mode(
    git_home_world: World, mode: str, op: str, path: str
) -> None:
    profile = _profile(git_home_world, mode)
    assert not profile.allows(op, path.format(home=git_home_world.home))  # type: ignore[attr-defined]


def test_full_access_still_writes_the_rest_of_the_home(git_home_world: World) -> None:
    profile = _profile(git_home_world, "full-access")
    home: Path = git_home_world.home
    for path in (f"{home}/Documents/a.txt", f"{home}/.config/other/settings.json", f"{home}/dotfiles/vimrc"):
        assert profile.allows("file-write-create", path), path  # type: ignore[attr-defined]


def test_a_hooks_path_holding_the_workspace_guards_hook_names_not_the_tree(tmp_path: Path) -> None:
    """`core.hooksPath = ~` must not make the whole home (and the workspace in it) read-only."""
    world = make_world(tmp_path / "w")
    (world.home / ".gitconfig").write_text("[core]\n\thooksPath = ~\n\teditor = ~/bin/ed-wrapper\n")
    profile = _profile(world, "full-access")
    home = world.home
    assert profile.allows("file-write-data", f"{world.ws}/src/main.py")  # type: ignore[attr-defined]
    assert profile.allows("file-write-create", f"{home}/notes.txt")  # type: ignore[attr-defined]
    for hook in ("pre-commit", "post-checkout", "PRE-COMMIT"):
        assert not profile.allows("file-write-create", f"{home}/{hook}")  # type: ignore[attr-defined]
    assert not profile.allows("file-write-data", f"{home}/bin/ed-wrapper")  # type: ignore[attr-defined]

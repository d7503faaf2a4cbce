"""Canonical paths, with real symlinks: Seatbelt checks the resolved path, so allows must name it and
denies must name every spelling. macOS's own /tmp -> /private/tmp and /var -> /private/var are
reproduced as symlinks in a temp tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.sbpl import parse
from vtcode_hookspecs import SandboxRequest
from vtcode_seatbelt.gitdirs import find_git_dirs
from vtcode_seatbelt.paths import canonical, spellings
from vtcode_seatbelt.plan import plan_for
from vtcode_seatbelt.profile import build_profile
from vtcode_seatbelt.toolchains import toolchain_roots

from .conftest import MARKERS, World, git, make_world


def _profile(world: World, request: SandboxRequest, home: Path | None = None):  # type: ignore[no-untyped-def]
    plan = plan_for(request, home=str(home or world.home), tmp_dir=str(world.tmp), markers=MARKERS)
    built = build_profile(plan)
    return parse(built.text, built.params)


def test_read_roots_are_canonicalised_like_tmp_and_var(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    (tmp_path / "private/var/data").mkdir(parents=True)
    (tmp_path / "var").symlink_to(tmp_path / "private/var")
    roots = (str(tmp_path / "tmp/tools"), str(tmp_path / "var/data"))
    plan = plan_for(world.request(read_roots=roots), home=str(world.home), tmp_dir=str(world.tmp))
    assert str(world.root / "private/tmp/tools") in plan.reads
    assert str(world.root / "private/var/data") in plan.reads
    assert str(tmp_path / "tmp/tools") not in plan.reads  # a spelling Seatbelt never checks
    profile = _profile(world, world.request(read_roots=roots))
    assert profile.allows("file-read-data", f"{world.root}/private/tmp/tools/bin/tool")
    assert profile.allows("file-read-data", f"{world.root}/private/var/data/x")
    assert not profile.allows("file-read-data", f"{world.root}/private/tmp/elsewhere")


def test_a_workspace_reached_through_a_symlink_is_confined_by_its_real_path(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    link = tmp_path / "ws-link"
    link.symlink_to(world.ws)
    request = world.request(workspace=link)
    assert plan_for(request, home=str(world.home), tmp_dir=str(world.tmp)).workspace == str(world.ws)
    profile = _profile(world, request)
    assert profile.allows("file-write-data", f"{world.ws}/src/main.py")
    assert not profile.allows("file-write-data", f"{world.ws}/.git/config")
    assert not profile.allows("file-write-create", f"{world.ws}/vtcode.toml")


def test_secrets_are_denied_under_both_spellings_of_a_symlinked_home_and_store(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    home_link = tmp_path / "home-link"
    home_link.symlink_to(world.home)
    aws = (str(home_link / ".aws"), str(world.root / "Volumes/keys/aws"))
    assert spellings(aws[0]) == aws
    profile = _profile(world, world.request(), home=home_link)
    for path in (f"{world.home}/.ssh/id_rsa", f"{home_link}/.ssh/id_rsa", f"{world.home}/.aws/credentials",
                 f"{world.root}/Volumes/keys/aws/credentials", f"{world.home}/.Ssh/id_rsa"):
        assert not profile.allows("file-read-data", path), path


def test_a_git_dir_reached_by_another_name_is_found_and_kept_read_only(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "real").mkdir(parents=True)
    git("init", "-q", "--separate-git-dir", str(ws / "real/gd"), str(ws / "checkout"), cwd=tmp_path)
    (ws / "linked").mkdir()
    git("init", "-q", cwd=ws / "real")
    (ws / "linked/.git").symlink_to(ws / "real/.git")
    found = {d.path: d.named_git for d in find_git_dirs(str(ws.resolve())).dirs}
    assert found.get(str((ws / "real/gd").resolve())) is False  # via checkout/.git's `gitdir:` line
    assert str((ws / "real/.git").resolve()) in found
    world = make_world(tmp_path / "w")
    request = SandboxRequest(argv=("true",), cwd=str(ws), workspace=str(ws), protected_paths=())
    built = build_profile(plan_for(request, home=str(world.home), tmp_dir=str(world.tmp)))
    profile = parse(built.text, built.params)
    gd = (ws / "real/gd").resolve()
    assert not profile.allows("file-write-data", f"{gd}/config")
    assert not profile.allows("file-write-create", f"{gd}/hooks/pre-commit")
    assert not profile.allows("file-write-unlink", str(gd))  # no moving it away and back
    assert not profile.allows("file-write-unlink", str(gd.parent))
    assert profile.allows("file-write-create", f"{gd}/objects/ab/cd")
    assert profile.allows("file-write-create", f"{ws.resolve()}/checkout/file.txt")
    assert not profile.allows("file-write-data", f"{ws.resolve()}/checkout/.git")  # the gitdir pointer


def test_toolchains_grant_prefixes_never_the_home_or_its_ancestors(world: World) -> None:
    roots = toolchain_roots(world.path_env + os.pathsep + "." + os.pathsep + str(world.home),
                            home=str(world.home), workspace=str(world.ws), system=("/usr", "/bin"))
    home = str(world.home)
    assert f"{home}/.pyenv" in roots  # shims -> the pyenv root (its versions)
    assert f"{home}/.cargo" in roots and f"{home}/.rustup" in roots  # rustup's proxies and toolchains
    assert f"{home}/.nvm/versions/node/v20.11.0" in roots
    assert f"{home}/venvs/a" in roots and f"{home}/.local/share/uv/python/cpython-3.12" in roots
    assert f"{home}/bin" in roots  # ~/bin itself
    assert home not in roots and str(world.root / "Users") not in roots and "/" not in roots
    assert not any(r in ("/usr", "/bin", ".") for r in roots)


def test_canonical_keeps_a_missing_tail_and_resolves_the_rest(tmp_path: Path) -> None:
    (tmp_path / "private/tmp").mkdir(parents=True)
    (tmp_path / "tmp").symlink_to(tmp_path / "private/tmp")
    assert canonical(str(tmp_path / "tmp/not/yet")) == str(tmp_path.resolve() / "private/tmp/not/yet")


def test_a_symlinked_protected_path_is_guarded_as_link_and_target(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    target = world.ws / "src/policy-dir"
    target.mkdir()
    (world.ws / ".vtcode").symlink_to(target)  # the core protects .vtcode/; its contents live elsewhere
    profile = _profile(world, world.request())
    assert not profile.allows("file-write-create", f"{target}/policy.toml")  # through the link
    assert not profile.allows("file-write-unlink", f"{world.ws}/.vtcode")  # the link itself
    assert not profile.allows("file-write-unlink", str(target))  # nor moving the target away
    assert profile.allows("file-write-create", f"{world.ws}/src/other.py")


def test_a_search_cut_short_also_makes_git_entries_in_the_temp_dir_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = make_world(tmp_path)
    assert world.plan().git_search_complete
    assert _profile(world, world.request()).allows("file-write-create", f"{world.tmp}/t/.git/config")
    monkeypatch.setattr("vtcode_seatbelt.gitdirs._MAX_WALK_DIRS", 3)
    plan = world.plan()
    assert not plan.git_search_complete
    built = build_profile(plan)
    profile = parse(built.text, built.params)
    assert not profile.allows("file-write-create", f"{world.tmp}/carried/.git/config")
    assert profile.allows("file-write-create", f"{world.tmp}/carried/src.py")
    assert not profile.allows("file-write-create", f"{world.ws}/deep/.git/hooks/pre-commit")

"""Secrets reached by another spelling, and grants broad enough to hold them (the outside review's F8).

Seatbelt checks the path the kernel resolved, so a symlink inside a credential store leads the read to
a path the store's deny does not name; every path on the data volume also has a spelling under
/System/Volumes/Data, which the /System grant would otherwise cover; and a toolchain prefix like
`~/.local` or `~/.config` holds stores and everything else beside them. Real symlinks, evaluated.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers.sbpl import Profile, parse
from vtcode_seatbelt.fold import DATA_VOLUME
from vtcode_seatbelt.paths import is_within
from vtcode_seatbelt.plan import plan_for
from vtcode_seatbelt.profile import build_profile

from .conftest import MARKERS, World, make_world


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> World:
    world = make_world(tmp_path_factory.mktemp("mac-links"))
    root, home = world.root, world.home
    (root / "Shared/sso").mkdir(parents=True)
    (root / "Shared/sso/token.json").write_text("TOKEN")
    (root / "Volumes/keys/aws/sso").symlink_to(root / "Shared/sso")  # a link inside a (symlinked) store
    (root / "keys-elsewhere").mkdir()
    (root / "keys-elsewhere/id_work").write_text("KEY")
    (home / ".ssh/id_work").symlink_to(root / "keys-elsewhere/id_work")
    (home / ".ssh/everything").symlink_to(home)  # a link to the home: not followed
    tools = (".local/bin", ".config/bin", "Library/bin", ".ssh/bin")
    for tool in tools:
        (home / tool).mkdir(parents=True, exist_ok=True)
    (home / ".local/share/other-app").mkdir(parents=True)
    world.path_env = os.pathsep.join([world.path_env, *(str(home / t) for t in tools)])
    return world


def _profile(world: World, mode: str = "workspace-write", read_roots: tuple[str, ...] = ()) -> Profile:
    plan = plan_for(world.request(mode=mode, read_roots=read_roots),  # type: ignore[arg-type]
                    home=str(world.home), tmp_dir=str(world.tmp), markers=MARKERS)
    built = build_profile(plan)
    return parse(built.text, built.params)


@pytest.mark.parametrize("mode", ["full-access", "workspace-write"])
def test_what_a_link_inside_a_store_leads_to_is_a_secret_too(linked: World, mode: str) -> None:
    # read_roots grants the places the links lead, as a user might; full-access reads everything.
    roots = (str(linked.root / "Shared"), str(linked.root / "keys-elsewhere"))
    profile = _profile(linked, mode, read_roots=roots)
    for path in (f"{linked.root}/Shared/sso/token.json", f"{linked.root}/keys-elsewhere/id_work",
                 f"{linked.root}/SHARED/sso/token.json"):
        assert not profile.allows("file-read-data", path), path
    assert profile.allows("file-read-data", f"{linked.root}/Shared/other.txt")  # only what the link names


def test_a_link_to_the_home_inside_a_store_does_not_hide_the_home(linked: World) -> None:
    profile = _profile(linked, "full-access")
    assert profile.allows("file-read-data", f"{linked.home}/Documents/notes.txt")
    assert profile.allows("file-write-data", f"{linked.ws}/src/main.py")


@pytest.mark.parametrize(("mode", "op", "rel", "expected"), [
    ("workspace-write", "file-read-data", "{home}/.ssh/id_rsa", False),
    ("workspace-write", "file-read-data", "{home}/Documents/taxes.pdf", False),  # /System was granted
    ("workspace-write", "file-read-data", "{other}/secret.py", False),
    ("workspace-write", "file-read-data", "{ws}/src/main.py", True),  # granted under both spellings
    ("workspace-write", "file-read-data", "/opt/homebrew/bin/node", True),
    ("workspace-write", "file-write-data", "{ws}/src/main.py", False),  # writes: the usual spelling only
    ("full-access", "file-read-data", "{home}/.ssh/id_rsa", False),
    ("full-access", "file-write-data", "{ws}/.git/config", False),
    ("full-access", "file-write-create", "{ws}/vtcode.toml", False),
    ("full-access", "file-write-create", "{ws}/later/.git/config", False),
])
def test_the_data_volume_spelling_is_confined_like_the_usual_one(
    linked: World, mode: str, op: str, rel: str, expected: bool
) -> None:
    path = DATA_VOLUME + rel.format(home=linked.home, ws=linked.ws, other=linked.other)
    assert _profile(linked, mode).allows(op, path) is expected
    assert _profile(linked, mode).allows("file-read-data", "/System/Library/Frameworks/Foo.framework/Foo")


def test_no_toolchain_grant_holds_or_lies_in_a_credential_store(linked: World) -> None:
    plan = plan_for(linked.request(), home=str(linked.home), tmp_dir=str(linked.tmp))
    home = str(linked.home)
    granted = [r for r in plan.reads if is_within(home, r)]
    assert granted, "the PATH toolchains under the home are still granted"
    for root in granted:
        for secret in plan.secrets:
            assert not is_within(root, secret) and not is_within(secret, root), (root, secret)
    profile = _profile(linked)
    assert profile.allows("file-read-data", f"{home}/.local/bin/tool")
    assert profile.allows("file-read-data", f"{home}/.config/bin/tool")
    assert not profile.allows("file-read-data", f"{home}/.local/share/other-app/token")
    assert not profile.allows("file-read-data", f"{home}/.config/other-app/token")
    assert not profile.allows("file-read-data", f"{home}/Library/Preferences/x.plist")
    assert not profile.allows("file-read-data", f"{home}/.ssh/bin/tool")


def test_the_store_walk_is_bounded(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    for i in range(2500):
        (world.home / ".ssh" / f"k{i}").write_text("")
    far = tmp_path / "far"
    far.mkdir()
    (world.home / ".ssh" / "zz-link").symlink_to(far)
    plan_for(world.request(), home=str(world.home), tmp_dir=str(world.tmp))  # returns, whatever it found

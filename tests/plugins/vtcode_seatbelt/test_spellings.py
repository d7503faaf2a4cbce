"""Every spelling APFS takes for a protected name is denied (the outside review's F4-F6).

A case-insensitive APFS volume compares names after NFD and full Unicode case folding, on every
component. The cases below are spellings of protected paths an attacker picks: another letter case of
an ancestor, KELVIN SIGN for `k`, LONG S for `s`, the `fi` ligature, and the object alternates files in
another case. Each is checked with the evaluator (helpers/sbpl.py) against the generated profile.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from vtcode_seatbelt.fold import NON_ASCII, component_regex, name_regex

from .conftest import World

K, LONG_S, FI = "\u212a", "\u017f", "\ufb01"
ALLOW, DENY = True, False

SPELLINGS = [
    # An ancestor of a protected path in another case (only the last component was folded before).
    ("file-write-create", "{ws}/TOOLS/git-hooks/pre-commit", DENY),
    ("file-write-create", "{ws}/Tools/Git-Hooks/pre-commit", DENY),
    ("file-write-unlink", "{ws}/TOOLS", DENY),  # moving the hooks' ancestor away in another case
    ("file-write-unlink", "{ws}/tools", DENY),
    ("file-write-create", "{ws}/tools/other/x", ALLOW),  # only the protected subtree
    # Unicode case pairs: KELVIN SIGN is `K` after NFD, LONG S folds to `s`.
    ("file-write-create", "{ws}/.ba" + LONG_S + "hrc", DENY),
    ("file-write-create", "{ws}/.z" + LONG_S + "hrc", DENY),
    ("file-write-create", "{ws}/.vt-wor" + K + "space-trust", DENY),
    ("file-write-create", "{ws}/tools/git-hoo" + K + LONG_S + "/pre-commit", DENY),
    ("file-write-create", "{ws}/.ENVRC", DENY),
    ("file-write-create", "{ws}/.Vtcode/policy.toml", DENY),
    # Object alternates in another case or spelling (F6): objects/ is writable, the file inside is not.
    ("file-write-create", "{ws}/.git/objects/info/Alternates", DENY),
    ("file-write-create", "{ws}/.git/objects/INFO/alternates", DENY),
    ("file-write-create", "{ws}/.git/objects/info/HTTP-Alternates", DENY),
    ("file-write-create", "{ws}/.git/objects/info/alternate" + LONG_S, DENY),
    ("file-write-create", "{ws}/vendor/lib/.git/objects/info/ALTERNATES", DENY),
    ("file-write-create", "{ws}/.git/modules/libs/m/objects/info/Alternates", DENY),
    ("file-write-create", "{ws}/.git/objects/info/packs", ALLOW),  # git writes this one
    # Secrets in another case or spelling, below the home.
    ("file-read-data", "{home}/.S" + LONG_S + "H/id_rsa", DENY),
    ("file-read-data", "{home}/Library/" + K + "eychains/login.keychain-db", DENY),
    ("file-read-data", "{home}/.config/GH/hosts.yml", DENY),
    # Ordinary git work the review found refused: `git commit <paths>` and the split index.
    ("file-write-create", "{ws}/.git/next-index-4242.lock", ALLOW),
    ("file-write-create", "{ws}/.git/sharedindex.0123456789abcdef0123456789abcdef01234567", ALLOW),
    ("file-write-create", "{ws}/.git/sharedindex_a1B2c3", ALLOW),
    ("file-write-create", "{ws}/vendor/lib/.git/next-index-7.lock", ALLOW),
    ("file-write-create", "{ws}/.git/config.lock", DENY),  # never a generic .lock
]


def _fill(world: World, text: str) -> str:
    return text.format(ws=world.ws, home=world.home)


@pytest.mark.parametrize(("op", "path", "expected"), SPELLINGS,
                         ids=[f"{'allow' if e else 'deny'}-{op}-{p}" for op, p, e in SPELLINGS])
def test_every_spelling_of_a_protected_path_is_denied(
    world: World, op: str, path: str, expected: bool
) -> None:
    assert world.profile().allows(op, _fill(world, path)) is expected


def test_a_new_repository_gets_no_alternate_config_under_another_spelling(new_world: World) -> None:
    profile = new_world.profile()
    ws = new_world.ws
    assert profile.allows("file-write-create", f"{ws}/.git/config")  # git init writes it
    for path in (f"{ws}/.git/con{FI}g.worktree", f"{ws}/.git/Config.Worktree", f"{ws}/.git/CommonDir",
                 f"{ws}/.git/wor{K}trees/x/commondir", f"{ws}/.git/objects/info/Alternates"):
        assert not profile.allows("file-write-create", path), path


def _upper(world: World, path: str) -> str:
    """The path with every component above the world's root in upper case: the same file on APFS."""
    root = str(world.root)
    return root.upper() + path[len(root):] if path.startswith(root) else path.upper()


def test_full_access_denies_under_every_spelling_of_the_ancestors(world: World) -> None:
    """Full access allows every path, so only the denies stand between a spelling and the file."""
    profile = world.profile(mode="full-access")
    for op, path in [
        ("file-write-data", f"{world.ws}/.git/config"), ("file-write-create", f"{world.ws}/.git/hooks/x"),
        ("file-write-create", f"{world.ws}/vtcode.toml"), ("file-write-unlink", f"{world.ws}/.git"),
        ("file-read-data", f"{world.home}/.ssh/id_rsa"),
        ("file-read-data", f"{world.root}/Volumes/keys/aws/credentials"),
    ]:
        assert not profile.allows(op, _upper(world, path)), (op, _upper(world, path))
        assert not profile.allows(op, path.replace("/.ssh/", "/.s" + LONG_S + "h/")), path


def _fold(text: str) -> str:
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", text).casefold())


def test_the_non_ascii_table_is_every_code_point_that_folds_to_ascii() -> None:
    """Recomputed from Python's Unicode database: no code point is missing from fold.NON_ASCII."""
    found: dict[str, list[str]] = {}
    for cp in range(0x80, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        key = _fold(chr(cp))
        if key and key.isascii():
            found.setdefault(key, []).append(chr(cp))
    assert {k: tuple(v) for k, v in found.items()} == NON_ASCII


@pytest.mark.parametrize("name", [".git", "hooks", "config.worktree", ".vt-workspace-trust", ".bashrc",
                                  "objects/info/http-alternates", "Library/Keychains", "stuff.ffi"])
def test_a_name_regex_matches_exactly_the_names_apfs_takes_for_it(name: str) -> None:
    """Every spelling built from the table matches; names that fold differently do not."""
    rx = re.compile("^" + name_regex(name) + "$")
    spellings = {name, name.upper(), name.lower(), name.swapcase(), name.replace("k", K),
                 name.replace("s", LONG_S), name.replace("fi", FI), name.replace("ffi", "\ufb03"),
                 name.replace("ff", "\ufb00"), name.replace("ss", "\u00df")}
    for spelling in spellings:
        assert _fold(spelling) == _fold(name)
        assert rx.match(spelling), spelling
    dotless, dotted = name.replace("i", "\u0131"), name.replace("i", "\u0130")  # not `i` after folding
    for other in (name + "x", "x" + name, name[:-1], dotless, dotted):
        if _fold(other) != _fold(name):
            assert not rx.match(other), other


def test_components_with_other_characters_only_widen() -> None:
    rx = re.compile("^" + component_regex('My "Project" (copy) \u00fcber') + "$")
    assert rx.match('my "project" (COPY) \u00fcber')
    assert rx.match('My "Project" (copy) u\u0308ber')  # the NFD spelling of the same name
    assert not rx.match("My Project")

"""`~` and `$HOME` mean the real user's home; every other expansion is refused, never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from vtcode.errors import PathDenied
from vtcode.workspace import Jail


@pytest.fixture
def home_jail(tmp_path: Path) -> Jail:
    # The workspace *is* the home here, so expansions resolve inside and can be seen resolving.
    root = (tmp_path / "h").resolve()
    (root / "notes").mkdir(parents=True)
    return Jail(root, home=root)


@pytest.mark.parametrize("spelling", ["~/notes", "$HOME/notes", "${HOME}/notes", "~//notes/."])
def test_home_spellings_expand_to_home(home_jail: Jail, spelling: str) -> None:
    assert home_jail.resolve(spelling) == home_jail.root / "notes"


@pytest.mark.parametrize("spelling", ["~", "$HOME", "${HOME}"])
def test_bare_home_is_home(home_jail: Jail, spelling: str) -> None:
    assert home_jail.resolve(spelling) == home_jail.root


def test_home_outside_the_workspace_is_outside(jail: Jail, home: Path) -> None:
    verdict = jail.check("~/x")
    assert not verdict.allowed
    assert verdict.resolved == str(home / "x")


def test_environment_home_is_not_consulted(home_jail: Jail, monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    # The shell's $HOME can be changed by a command before it runs; the jail's home cannot.
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    assert home_jail.resolve("$HOME/notes") == home_jail.root / "notes"


@pytest.mark.parametrize(
    "spelling",
    ["~root/x", "~+/x", "~-/x", "$USER/x", "${PWD}/x", "a/$HOME/x", "$HOMEX/x", "${HOME}x", "$(pwd)/x",
     "`pwd`/x", "a/`id`", "x$1", "$'\\x2e\\x2e'/x", '$"x"', "${HOME:-/etc}/x", "$$/x", "a/${x}"],
)
def test_other_expansions_are_refused(jail: Jail, spelling: str) -> None:
    with pytest.raises(PathDenied, match="expansion"):
        jail.resolve(spelling)
    assert jail.check(spelling).resolved is None


@pytest.mark.parametrize("literal", ["price$", "a$/b", "x/~/y", "a~b"])
def test_dollar_and_tilde_sh_keeps_literal_are_literal(jail: Jail, workspace: Path, literal: str) -> None:
    assert jail.resolve(literal, write=True) == workspace / literal

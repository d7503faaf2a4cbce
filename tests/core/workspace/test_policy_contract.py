"""What the policy engine relies on: Jail is a PathChecker, and its verdicts carry secret/protected."""

from __future__ import annotations

from pathlib import Path

from vtcode.policy.paths import PathCheck, PathChecker
from vtcode.workspace import Jail, PathVerdict


def test_jail_is_a_path_checker(jail: Jail, workspace: Path) -> None:
    checker: PathChecker = jail
    inside = checker.check_path("src/x.py", write=True)
    target = workspace / "src" / "x.py"
    assert inside == PathCheck(True, str(target), f"{target} is inside the workspace")


def test_verdict_flags(jail: Jail) -> None:
    verdict = jail.check(".git/config", write=True)
    assert verdict == PathVerdict(False, str(jail.root / ".git" / "config"), verdict.reason, protected=True)
    assert jail.check(".git/config").allowed  # reading is fine
    secret = jail.check_path("/etc/shadow", write=False)
    assert not secret.inside and secret.secret and secret.resolved == "/etc/shadow"


def test_verdict_for_unresolvable_paths_has_no_resolved(jail: Jail) -> None:
    for path in ("", "$X", "/proc/self/root", "a\0b"):
        verdict = jail.check(path)
        assert not verdict.allowed and verdict.resolved is None and verdict.reason


def test_verdict_is_frozen(jail: Jail) -> None:
    verdict = jail.check("x")
    try:
        verdict.allowed = False  # type: ignore[misc]
    except AttributeError:
        return
    raise AssertionError("PathVerdict must be immutable")

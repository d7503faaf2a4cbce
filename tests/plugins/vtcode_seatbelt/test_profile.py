"""The generated SBPL profile. sandbox-exec cannot run here (Linux), so these check the profile's
structure and, above all, rule order: SBPL's last matching rule wins, so every deny that carves a
protected path or a secret out of an allowed tree must come after that allow."""

from __future__ import annotations

import re

import pytest
from vtcode_hookspecs import SandboxRequest
from vtcode_seatbelt.backend import SeatbeltBackend, scrub
from vtcode_seatbelt.profile import build_profile

WS = "/Users/dev/project"
PROTECTED = (f"{WS}/.git/hooks/", f"{WS}/.git/config", f"{WS}/.vt-workspace-trust")


def _profile(mode: str = "workspace-write", network: bool = False) -> tuple[list[str], dict[str, str]]:
    profile = build_profile(
        workspace=WS,
        tmp_dir="/private/tmp/vt",
        mode=mode,
        network=network,
        read_roots=("/opt/tools",),
        protected=PROTECTED,
        home="/Users/dev",
    )
    return profile.text.split("\n(")[0:1] + ["(" + r for r in profile.text.split("\n(")[1:]], profile.params


def _index(rules: list[str], pattern: str) -> int:
    return next(i for i, rule in enumerate(rules) if re.search(pattern, rule))


def test_denies_by_default_first() -> None:
    rules, _ = _profile()
    assert rules[0].startswith("(version 1)") and rules[1] == "(deny default)"


def test_protected_paths_come_after_the_workspace_allow() -> None:
    rules, params = _profile()
    allow_ws = _index(rules, r"^\(allow file-write\*")
    deny_protected = _index(rules, r"^\(deny file-write\*")
    assert allow_ws < deny_protected  # last match wins: the deny must be later to win
    keys = {v: k for k, v in params.items()}
    deny = rules[deny_protected]
    assert f'(subpath (param "{keys[f"{WS}/.git/hooks"]}"))' in deny  # a directory: its whole tree
    assert f'(literal (param "{keys[f"{WS}/.git/config"]}"))' in deny  # a file: just itself
    assert f'(subpath (param "{keys[WS]}"))' in rules[allow_ws]


def test_secrets_are_denied_after_every_read_allow() -> None:
    rules, params = _profile()
    last_allow = max(i for i, r in enumerate(rules) if r.startswith("(allow file-read*"))
    secrets = _index(rules, r"^\(deny file-read\* file-write\*")
    assert last_allow < secrets and secrets == len(rules) - 1
    assert "/Users/dev/.ssh" in params.values()


def test_network_only_when_granted() -> None:
    assert not any("network" in r for r in _profile()[0])
    assert "(allow network*)" in _profile(network=True)[0]


@pytest.mark.parametrize(("mode", "workspace_writable"), [("read-only", False), ("workspace-write", True)])
def test_modes(mode: str, workspace_writable: bool) -> None:
    rules, params = _profile(mode)
    write_rule = rules[_index(rules, r"^\(allow file-write\*")]
    ws_key = (
        next(k for k, v in params.items() if v == WS and k.startswith("WORKSPACE"))
        if workspace_writable
        else None
    )
    assert (ws_key is not None and ws_key in write_rule) == workspace_writable
    assert "TMP_" in write_rule


def test_paths_are_parameters_never_profile_text() -> None:
    # A path holding `")` would otherwise close the string and inject rules.
    profile = build_profile(
        workspace='/tmp/a") (allow default',
        tmp_dir="/tmp/t",
        mode="workspace-write",
        network=False,
        read_roots=(),
        protected=(),
        home="/Users/dev",
    )
    assert "(allow default" not in profile.text
    argv = profile.sandbox_exec_argv(("/bin/echo", "hi"))
    assert argv[:3] == ["/usr/bin/sandbox-exec", "-p", profile.text] and argv[-2:] == ["/bin/echo", "hi"]
    assert any(a.endswith('=/tmp/a") (allow default') for a in argv)


def test_prepare_wraps_the_command_and_scrubs_the_environment() -> None:
    request = SandboxRequest(
        argv=("/usr/bin/make",),
        cwd=WS,
        workspace=WS,
        protected_paths=PROTECTED,
        env={"PATH": "/usr/bin", "GITHUB_TOKEN": "x", "DYLD_INSERT_LIBRARIES": "y"},
    )
    prepared = SeatbeltBackend().prepare(request)
    try:
        assert prepared.argv[0] == "/usr/bin/sandbox-exec" and prepared.argv[-1] == "/usr/bin/make"
        assert set(prepared.env) == {"PATH", "HOME", "TMPDIR"} and prepared.unprotected == ()
    finally:
        prepared.release()
    assert scrub({"AWS_SECRET_ACCESS_KEY": "x", "LANG": "C"}) == {"LANG": "C"}


def test_not_available_off_macos() -> None:
    import sys

    availability = SeatbeltBackend().available()
    assert availability.available == (sys.platform == "darwin")

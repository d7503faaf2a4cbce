"""The backend around the profile: how sandbox-exec is called, what `enforced` reports, the child's
environment, what is handed to the core to restore, and the process-group half of release()."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.sbpl import parse
from vtcode_hookspecs import SandboxRequest
from vtcode_seatbelt import reaper
from vtcode_seatbelt.backend import SeatbeltBackend, scrub
from vtcode_seatbelt.fold import name_regex
from vtcode_seatbelt.plan import plan_for
from vtcode_seatbelt.profile import build_profile

from .conftest import World, make_world


def test_the_command_follows_double_dash_so_it_is_never_read_as_options(world: World) -> None:
    built = build_profile(world.plan())
    argv = built.sandbox_exec_argv(("-Dx=y", "-p", "(allow default)"))
    assert argv[:3] == ["/usr/bin/sandbox-exec", "-p", built.text]
    dash = argv.index("--")
    assert argv[dash + 1 :] == ["-Dx=y", "-p", "(allow default)"]
    assert all(a.startswith("-D") and "=" in a for a in argv[3:dash])
    assert {a[2:].split("=", 1)[0] for a in argv[3:dash]} == set(built.params)


def test_paths_are_parameters_never_profile_text(tmp_path: Path) -> None:
    world = make_world(tmp_path / "w")
    evil = tmp_path / 'proj") (allow default) ("'
    evil.mkdir()
    request = SandboxRequest(argv=("true",), cwd=str(evil), workspace=str(evil),
                             protected_paths=(f"{evil}/vtcode.toml", f'{evil}/a") (allow default'))
    built = build_profile(plan_for(request, home=str(world.home), tmp_dir=str(world.tmp)))
    assert "allow default" not in built.text
    profile = parse(built.text, built.params)
    assert profile.allows("file-write-data", f"{evil.resolve()}/x")
    assert not profile.allows("file-write-data", "/etc/hosts")
    assert not profile.allows("file-write-create", f"{evil.resolve()}/vtcode.toml")
    assert not profile.allows("file-write-create", f'{evil.resolve()}/a") (allow default')


def test_only_plain_names_become_regexes() -> None:
    assert name_regex(".git") == r"\.[gG][iI][tT]"
    for bad in ('a"b', "a\\b", "a(b", "a[b", "a*", "", "é", "a;b", "a`b"):
        with pytest.raises(ValueError, match="regex"):
            name_regex(bad)


@pytest.mark.parametrize(
    ("mode", "network", "expected"),
    [("read-only", False, "network:off"), ("workspace-write", False, "network:off"),
     ("workspace-write", True, "network:on"), ("full-access", False, "network:on")],
)
def test_enforced_reports_the_network_the_profile_really_grants(
    world: World, mode: str, network: bool, expected: str
) -> None:
    prepared = SeatbeltBackend().prepare(world.request(mode=mode, network=network))  # type: ignore[arg-type]
    try:
        assert expected in prepared.enforced and f"fs:{mode}" in prepared.enforced
        # No libsandbox off macOS: the sweep is not claimed, only what really runs.
        assert ("processes:profile-sweep" in prepared.enforced) is (sys.platform == "darwin")
        text = prepared.argv[2]
        params = dict(a[2:].split("=", 1) for a in prepared.argv[3 : prepared.argv.index("--")])
        profile = parse(text, params)
        assert profile.allows("network-outbound", remote_ip="1.1.1.1:443") is (expected == "network:on")
    finally:
        prepared.release()


def test_prepare_scrubs_the_environment_and_gives_a_private_home(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(world.home))  # the backend finds the home (and ~/.rustup) through it
    request = world.request().model_copy(update={"env": {
        "PATH": world.path_env, "GITHUB_TOKEN": "x", "DYLD_INSERT_LIBRARIES": "y", "LANG": "C"}})
    prepared = SeatbeltBackend().prepare(request)
    try:
        env = prepared.env
        assert "GITHUB_TOKEN" not in env and "DYLD_INSERT_LIBRARIES" not in env and env["LANG"] == "C"
        tmp = env["HOME"]
        assert env["TMPDIR"] == tmp and os.path.isdir(tmp)
        assert env["CLANG_MODULE_CACHE_PATH"].startswith(tmp + "/")
        assert env["RUSTUP_HOME"] == f"{world.home}/.rustup" and env["PYENV_ROOT"] == f"{world.home}/.pyenv"
        assert prepared.unprotected == ()  # the repository exists: the kernel guards it all
    finally:
        prepared.release()
    assert not os.path.exists(tmp)
    assert prepared.release() == prepared.release()  # idempotent
    assert scrub({"AWS_SECRET_ACCESS_KEY": "x", "LANG": "C"}) == {"LANG": "C"}


def test_a_workspace_without_a_repository_hands_git_init_output_to_the_core(new_world: World) -> None:
    prepared = SeatbeltBackend().prepare(new_world.request())
    try:
        assert f"{new_world.ws}/.git/config" in prepared.unprotected
        assert f"{new_world.ws}/.git/hooks/" in prepared.unprotected
        assert f"{new_world.ws}/.git/commondir" in prepared.unprotected
    finally:
        prepared.release()


def test_release_kills_the_process_group_and_reports_it(world: World) -> None:
    # The Seatbelt half (processes that left the group, found by their profile) needs a Mac; the
    # process-group half runs here, with a real group of real processes.
    proc = subprocess.Popen([sys.executable, "-c", "import os, time; os.fork(); time.sleep(60)"],
                            start_new_session=True)
    time.sleep(0.3)
    reaper.kill_all(reaper.Markers.new(), proc.pid)
    assert proc.wait(timeout=5) == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("a process of the group survived release()")


def test_not_available_off_macos() -> None:
    availability = SeatbeltBackend().available()
    assert availability.available == (sys.platform == "darwin")
    if sys.platform != "darwin":
        assert "macOS-only" in availability.reason


def test_probe_tells_a_case_insensitive_file_system_from_this_one(tmp_path: Path) -> None:
    # The Mac half (the profile compiles and runs, the sweep loads) is in scripts/macos-sandbox-check.
    from vtcode_seatbelt.probe import case_insensitive

    assert case_insensitive(str(tmp_path)) is False  # ext4 here; APFS by default on a Mac
    assert os.listdir(tmp_path) == []  # it leaves nothing behind


def _parsed(argv: tuple[str, ...]):  # type: ignore[no-untyped-def]
    """The profile and parameters sandbox-exec would get."""
    return parse(argv[2], dict(a[2:].split("=", 1) for a in argv[3:argv.index("--")]))


def test_the_private_temp_dir_leaves_room_for_unix_sockets(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """macOS's sun_path holds 104 bytes; a per-user $TMPDIR as long as macOS's (or longer) must not make
    multiprocessing's or pytest's sockets under the command's TMPDIR too long to bind."""
    import stat
    import tempfile

    from vtcode_seatbelt.backend import SOCKET_PATH_MAX

    long_tmp = tmp_path / ("var-folders-" + "x" * 40) / "T"
    long_tmp.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(long_tmp))  # what $TMPDIR would make it
    monkeypatch.setenv("HOME", str(world.home))
    prepared = SeatbeltBackend().prepare(world.request())
    try:
        tmp = prepared.env["TMPDIR"]
        st = os.stat(tmp)
        assert stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.getuid()
        # multiprocessing's listener, and a socket in a pytest temp dir with a long test name
        for rel in ("pymp-k2j4h5g6/listener-a1b2c3d4",
                    "pytest-of-developer/pytest-12/test_a_long_name0/s.sock"):
            assert len((tmp + "/" + rel).encode()) < SOCKET_PATH_MAX, tmp
        profile = _parsed(prepared.argv)
        assert profile.allows("network-bind", local_unix=f"{tmp}/pymp-k2j4h5g6/listener-a1b2c3d4")
    finally:
        prepared.release()


def test_a_temp_dir_given_through_a_symlink_is_granted_by_its_real_path(world: World) -> None:
    """Seatbelt sees /tmp/x as /private/tmp/x: TMPDIR and the grant both use the resolved spelling."""
    given = world.root / "tmp/vtcode-sandbox-1"  # tmp -> private/tmp, like macOS's /tmp
    request = world.request().model_copy(update={"tmp_dir": str(given)})
    prepared = SeatbeltBackend().prepare(request)
    try:
        assert prepared.env["TMPDIR"] == str(world.tmp) == prepared.env["HOME"]
        profile = _parsed(prepared.argv)
        assert profile.allows("file-write-create", f"{world.tmp}/pytest-of-dev/x")
        assert not profile.allows("file-write-create", f"{world.root}/private/tmp/other")
    finally:
        prepared.release()


def test_the_allowlist_network_mode_is_refused_not_opened(world: World) -> None:
    """Seatbelt has no allowlist mode yet: asked for one (egress_port set, network off), the profile still
    grants no network at all (not the proxy port, not anything else) and hands the core no listener, so
    the core refuses the command before anything runs (fail closed, never the full network)."""
    from vtcode.config.models import SandboxConfig
    from vtcode.events import EventBus
    from vtcode.sandbox import SandboxDenied, WorkspaceSandbox

    request = world.request().model_copy(update={"egress_port": 3128})
    prepared = SeatbeltBackend().prepare(request)
    try:
        assert prepared.egress is None and "network:off" in prepared.enforced
        assert not any(e.startswith("network:egress") for e in prepared.enforced)
        params = dict(a[2:].split("=", 1) for a in prepared.argv[3 : prepared.argv.index("--")])
        profile = parse(prepared.argv[2], params)
        for target in ("localhost:3128", "127.0.0.1:3128", "1.1.1.1:443", "*:3128"):
            assert not profile.allows("network-outbound", remote_ip=target), target
    finally:
        prepared.release()
    bus = EventBus()
    config = SandboxConfig.model_validate({"network": {"mode": "allowlist", "allow": ["pypi.org"]}})
    box = WorkspaceSandbox(SeatbeltBackend(), config, world.ws, bus)
    marker = world.ws / "ran"
    try:
        with pytest.raises(SandboxDenied, match="allowlist"):
            box.prepare(box.request(["/usr/bin/touch", str(marker)], str(world.ws)))
        assert not marker.exists()
        assert [e.type for e in bus.history].count("sandbox.denied") == 1
    finally:
        box.close()
        bus.close()

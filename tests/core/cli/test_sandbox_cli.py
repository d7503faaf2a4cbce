"""`vtcode sandbox run|probe` as a real process: exit statuses, escapes refused, descendants killed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the sandbox CLI is tested on Linux here")
VTCODE = str(Path(sys.executable).parent / "vtcode")


def vtcode(
    workspace: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VTCODE, *args],
        cwd=workspace,
        text=True,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def sandbox_run(
    workspace: Path, *argv: str, options: tuple[str, ...] = (), env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return vtcode(workspace, "sandbox", "run", "--workspace", str(workspace), *options, "--", *argv, env=env)


def test_exits_with_the_commands_status(workspace: Path) -> None:
    assert sandbox_run(workspace, "/bin/sh", "-c", "exit 7").returncode == 7
    assert sandbox_run(workspace, "/bin/sh", "-c", "kill -TERM $$").returncode == 128 + 15
    ok = sandbox_run(workspace, "/bin/echo", "hello")
    assert (ok.returncode, ok.stdout) == (0, "hello\n")
    assert "sandbox.applied" in ok.stderr and "landlock-abi-" in ok.stderr  # what was enforced, said aloud


def test_probe_prints_what_the_kernel_enforces(workspace: Path) -> None:
    result = vtcode(workspace, "sandbox", "probe", "--workspace", str(workspace))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["backend"] == "landlock"
    assert report["landlock_abi"] >= 1 and report["seccomp"] is True and report["user_namespaces"] is True
    assert report["backends"]["seatbelt"]["available"] is False


def test_write_outside_and_symlink_escape_fail(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "link").symlink_to(outside)
    result = sandbox_run(
        workspace, "/bin/sh", "-c", f"echo x > {outside}/a; echo x > link/b; echo x > in.txt"
    )
    # The read-only mount refuses both (EROFS) before Landlock would (EACCES).
    assert result.stderr.count("Read-only file system") == 2
    assert list(outside.iterdir()) == [] and (workspace / "in.txt").exists()


def test_fake_ssh_key_and_neighbouring_workspace_unreadable(workspace: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN FAKE KEY-----\n")
    neighbour = workspace.parent / "other-ws"
    neighbour.mkdir()
    (neighbour / "notes.txt").write_text("neighbour\n")
    result = sandbox_run(
        workspace,
        "/bin/sh",
        "-c",
        f"cat {home}/.ssh/id_rsa; cat {neighbour}/notes.txt",
        options=("-c", f'sandbox.read_roots=["{home}"]'),
        env={"HOME": str(home)},
    )
    assert "FAKE KEY" not in result.stdout and "neighbour" not in result.stdout
    assert result.stderr.count("Permission denied") == 2


def test_read_only_mode_and_network_flag(workspace: Path) -> None:
    result = sandbox_run(workspace, "/bin/sh", "-c", "echo x > f", options=("--mode", "read-only"))
    assert result.returncode != 0 and not (workspace / "f").exists()
    code = "import socket; s = socket.socket(); print('socket-ok')"
    assert sandbox_run(workspace, "/usr/bin/python3", "-c", code).returncode != 0
    assert (
        sandbox_run(workspace, "/usr/bin/python3", "-c", code, options=("--network",)).stdout == "socket-ok\n"
    )
    full = sandbox_run(workspace, "/usr/bin/python3", "-c", code, options=("--network-mode", "full"))
    assert full.stdout == "socket-ok\n"
    off = ("-c", 'sandbox.network.mode="full"', "--network-mode", "off")  # the flag is the later layer
    assert sandbox_run(workspace, "/usr/bin/python3", "-c", code, options=off).returncode != 0


@pytest.mark.parametrize("flags", [("--network", "--egress"), ("--network-mode", "off", "--allow", "a.test"),
                                   ("--network-mode", "full", "--egress"), ("--network-mode", "on")])
def test_network_flags_that_disagree_are_refused(workspace: Path, flags: tuple[str, ...]) -> None:
    result = sandbox_run(workspace, "/bin/sh", "-c", "echo ran > f", options=flags)
    assert result.returncode == 2 and not (workspace / "f").exists()
    assert "--network" in result.stderr and "Traceback" not in result.stderr


def test_daemonized_child_is_killed_when_the_command_ends(workspace: Path) -> None:
    script = "setsid sh -c 'echo $$ > daemon.pid; exec sleep 300' >/dev/null 2>&1 < /dev/null & sleep 0.5"
    assert sandbox_run(workspace, "/bin/sh", "-c", script).returncode == 0
    pid = int((workspace / "daemon.pid").read_text())
    time.sleep(0.2)
    stat = Path(f"/proc/{pid}/stat")
    assert not stat.exists() or stat.read_text().split(") ")[1][0] == "Z", "the daemon outlived the command"


def test_fork_bomb_is_stopped_by_limits_and_timeout(workspace: Path) -> None:
    # The bomb's first shell returns at once, its descendants keep forking against pids.max until the
    # command is over; then every one of them is killed. A bomb in the foreground meets the timeout.
    start = time.monotonic()
    background = sandbox_run(workspace, "/bin/bash", "-c", ":(){ :|:& };:; sleep 2")
    assert background.returncode == 0
    foreground = sandbox_run(
        workspace, "/bin/bash", "-c", ":(){ :|:; };:", options=("-c", "sandbox.timeout_s=3")
    )
    assert foreground.returncode == 124 and "sandbox.timeout_s (3 s) reached" in foreground.stderr
    assert "Resource temporarily unavailable" in background.stderr + foreground.stderr
    assert time.monotonic() - start < 90
    assert _processes_in(workspace) == []


def _processes_in(directory: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.readlink(entry / "cwd") == str(directory):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_hardening_is_visible_from_the_child(workspace: Path) -> None:
    # The child reads vtcode itself (its parent is the command's supervisor, whose parent is vtcode): umask
    # 077 and no core dumps. The child gets the user's umask back, and LD_PRELOAD given to vtcode reaches
    # no child.
    script = (
        # vtcode is the nearest ancestor not under no_new_privs (a supervisor, where there is one, is).
        "V=$PPID; while grep -q '^NoNewPrivs:[[:space:]]*1' /proc/$V/status; do "
        "V=$(awk '/^PPid/{print $2}' /proc/$V/status); done; "
        "grep Umask /proc/$V/status; grep 'core file' /proc/$V/limits; umask; env | grep -c LD_ || true"
    )
    result = sandbox_run(workspace, "/bin/sh", "-c", script, env={"LD_PRELOAD": "", "LD_AUDIT": ""})
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Umask:", "0077"]
    assert lines[1].split()[4:6] == ["0", "0"]
    assert lines[2] == f"{_own_umask():04o}" and lines[3] == "0"


def test_denied_when_no_sandbox_applies(workspace: Path) -> None:
    result = sandbox_run(workspace, "/bin/true", options=("-c", 'sandbox.backend="seatbelt"'))
    assert result.returncode == 2 and "commands are denied" in result.stderr
    allowed = sandbox_run(
        workspace,
        "/bin/true",
        options=("-c", 'sandbox.backend="seatbelt"', "-c", "sandbox.allow_unsandboxed=true"),
    )
    assert allowed.returncode == 0 and "sandbox.unsandboxed" in allowed.stderr


def _own_umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("flags", [
    ("--allow", "pkg.test", "-c", 'sandbox.network.hosts={"pkg.test"="127.0.0.1"}',
     "-c", 'sandbox.network.allow=["127.0.0.1"]'),
    ("--network-mode", "allowlist", "-c", 'sandbox.network.hosts={"pkg.test"="127.0.0.1"}',
     "-c", 'sandbox.network.allow=["127.0.0.1", "pkg.test"]'),
    # the old spellings still work
    ("--allow", "pkg.test", "-c", 'sandbox.egress.hosts={"pkg.test"="127.0.0.1"}',
     "-c", 'sandbox.egress.allow=["127.0.0.1"]'),
    ("--egress", "-c", 'sandbox.egress.hosts={"pkg.test"="127.0.0.1"}',
     "-c", 'sandbox.egress.allow=["127.0.0.1", "pkg.test"]'),
], ids=["allow", "network-mode", "legacy-allow", "legacy-egress"])
def test_allow_routes_the_command_through_the_egress_proxy(workspace: Path, flags: tuple[str, ...]) -> None:
    """`vtcode sandbox run --allow HOST` (or `--network-mode allowlist` with the hosts in
    [sandbox.network] allow): only HOST answers, through the proxy; the audit log says so."""
    import http.server
    import threading

    class Origin(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Origin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    code = (f"import urllib.request, urllib.error\n"
            f"print(urllib.request.urlopen('http://pkg.test:{port}/', timeout=10).status)\n"
            f"try:\n    urllib.request.urlopen('http://other.test:{port}/', timeout=10)\n"
            f"except urllib.error.HTTPError as e:\n    print(e.code)\n")
    try:
        done = sandbox_run(workspace, "/usr/bin/python3", "-c", code, options=flags)
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["204", "403"]
    assert "network:egress-proxy(netns+landlock-tcp-3128)" in done.stderr
    tail = vtcode(workspace, "audit", "tail")
    assert "allow GET pkg.test" in tail.stdout and "deny GET other.test" in tail.stdout

"""The registered `landlock` backend through the core's sandbox: modes, protected paths (kernel and
detect-and-restore), fail-closed selection, and allowed work (a Python project, git) still working."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from vtcode_landlock import launcher
from vtcode_landlock.backend import LandlockBackend

from vtcode.config.models import SandboxConfig
from vtcode.events import EventBus
from vtcode.runtime import Runtime, open_runtime
from vtcode.sandbox import SandboxDenied, WorkspaceSandbox, choose_backend, open_sandbox
from vtcode.workspace import TRUST_MARKER

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Landlock and seccomp are Linux features")
GIT = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com"]


@pytest.fixture
def runtime(workspace: Path) -> Iterator[Runtime]:
    rt = open_runtime(workspace, attach_sinks=False)
    yield rt
    rt.bus.close()


Sandboxed = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(params=["direct", "fork-server", "launcher"])
def sandboxed(
    request: pytest.FixtureRequest, runtime: Runtime, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> Sandboxed:
    """Run argv through open_sandbox (the registered backend) or a given backend, with a given config:
    started here with preexec_fn, through the backend's `launch` with the C launcher (its first choice),
    and through `launch` with the launcher made unavailable (the fork server, its fallback)."""
    served = request.param != "direct"
    if request.param == "launcher":
        request.getfixturevalue("launcher_binary")
    else:
        def unavailable() -> str:
            raise launcher.LauncherUnavailable("turned off by the test")

        monkeypatch.setattr(launcher, "locate", unavailable)

    def go(
        argv: list[str], backend: LandlockBackend | None = None, **config: Any
    ) -> subprocess.CompletedProcess[str]:
        cfg = SandboxConfig(**config)
        box = (
            WorkspaceSandbox(backend, cfg, workspace, runtime.bus)
            if backend
            else open_sandbox(runtime.plugins.registries.sandboxes, cfg, workspace, runtime.bus)
        )
        prepared = box.prepare(box.request(argv, str(workspace)))
        try:
            if served:
                launch = getattr(prepared, "launch", None)
                assert launch is not None, prepared.enforced
                assert prepared.enforced[-1].startswith(f"spawn:{request.param}"), prepared.enforced
                proc = launch(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                out, err = proc.communicate(timeout=120)
                return subprocess.CompletedProcess(argv, proc.returncode, out.decode(), err.decode())
            return subprocess.run(
                list(prepared.argv),
                cwd=prepared.cwd,
                env=prepared.env,
                preexec_fn=prepared.preexec_fn,
                pass_fds=prepared.pass_fds,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        finally:
            prepared.release()

    return go


def _events(runtime: Runtime, kind: str) -> list[dict[str, Any]]:
    return [e.payload for e in runtime.bus.history if e.type == kind]


@pytest.fixture
def repo(workspace: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    (workspace / "README.md").write_text("hello\n")
    (workspace / TRUST_MARKER).write_text("marker\n")
    return workspace


def test_hook_register_sandboxes(runtime: Runtime) -> None:
    names = runtime.plugins.registries.sandboxes.names()
    assert {"landlock", "seatbelt", "none"} <= set(names)
    landlock = runtime.plugins.registries.sandboxes.get("landlock")
    assert landlock is not None and landlock.plugin == "landlock" and landlock.obj.available().available


def test_protected_paths_are_read_only_through_the_registered_backend(
    sandboxed: Sandboxed, repo: Path
) -> None:
    script = (
        "for f in .git/hooks/pre-commit .git/config " + TRUST_MARKER + " README.md; do "
        "(echo x >> $f) 2>/dev/null && echo $f=ok || echo $f=denied; done"
    )
    result = sandboxed(["/bin/sh", "-c", script])
    verdicts = dict(line.split("=") for line in result.stdout.split())
    assert verdicts == {
        ".git/hooks/pre-commit": "denied",
        ".git/config": "denied",
        TRUST_MARKER: "denied",
        "README.md": "ok",
    }
    assert (repo / TRUST_MARKER).read_text() == "marker\n"


def test_detect_and_restore_where_no_mount_namespace_is_used(
    sandboxed: Sandboxed, repo: Path, runtime: Runtime
) -> None:
    # Stands in for a kernel without user namespaces: the backend is told not to use one.
    config_before = (repo / ".git" / "config").read_text()
    script = (
        "echo '[core] fsmonitor = evil' >> .git/config; "
        "printf '#!/bin/sh\\nevil\\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; "
        f"echo forged > {TRUST_MARKER}; echo ran"
    )
    result = sandboxed(["/bin/sh", "-c", script], backend=LandlockBackend(mount_namespace="off"))
    assert result.stdout.strip() == "ran"  # the writes succeeded inside...
    assert (repo / ".git" / "config").read_text() == config_before  # ...and were undone after
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert (repo / TRUST_MARKER).read_text() == "marker\n"
    violations = {v["path"] for v in _events(runtime, "sandbox.violation")}
    assert {
        str(repo / ".git" / "config"),
        str(repo / ".git" / "hooks"),
        str(repo / TRUST_MARKER),
    } <= violations
    assert "protected:detect-and-restore" in _events(runtime, "sandbox.applied")[-1]["enforced"]


def test_a_repository_made_inside_keeps_git_files_but_loses_planted_hooks(
    sandboxed: Sandboxed, workspace: Path, runtime: Runtime
) -> None:
    script = "git init -q . && printf '#!/bin/sh\\nevil\\n' > .git/hooks/pre-commit && echo made"
    assert sandboxed(["/bin/sh", "-c", script]).stdout.strip() == "made"
    hooks = workspace / ".git" / "hooks"
    assert not (hooks / "pre-commit").exists()
    assert (workspace / ".git" / "config").exists()  # git's own config, naming no program, is kept
    assert all(p.name.endswith(".sample") for p in hooks.iterdir())
    assert str(hooks / "pre-commit") in {v["path"] for v in _events(runtime, "sandbox.violation")}


def test_read_only_mode_refuses_workspace_writes(sandboxed: Sandboxed, workspace: Path) -> None:
    result = sandboxed(
        ["/bin/sh", "-c", "cat /dev/null > new.txt; echo $?; echo tmp > $TMPDIR/t && cat $TMPDIR/t"],
        mode="read-only",
    )
    # The read-only mount refuses first (EROFS); Landlock would refuse next (EACCES).
    assert "Read-only file system" in result.stderr and not (workspace / "new.txt").exists()
    assert result.stdout.split() == ["2", "tmp"]  # the private temp dir stays writable


def test_full_access_is_loud_and_still_hides_secrets(
    sandboxed: Sandboxed, runtime: Runtime, tmp_path: Path
) -> None:
    target = tmp_path / "anywhere.txt"
    result = sandboxed(["/bin/sh", "-c", f"echo x > {target} && cat /etc/shadow"], mode="full-access")
    assert target.exists()
    assert "Permission denied" in result.stderr
    assert _events(runtime, "sandbox.full_access")


def test_fake_ssh_key_unreadable_even_when_home_is_a_read_root(
    runtime: Runtime, workspace: Path, fake_home: Path
) -> None:
    box = WorkspaceSandbox(
        LandlockBackend(home=str(fake_home)),
        SandboxConfig(read_roots=[str(fake_home)]),
        workspace,
        runtime.bus,
    )
    prepared = box.prepare(
        box.request(
            ["/bin/sh", "-c", f"cat {fake_home}/.bashrc; cat {fake_home}/.ssh/id_rsa"], str(workspace)
        )
    )
    try:
        result = subprocess.run(
            list(prepared.argv),
            env=prepared.env,
            cwd=prepared.cwd,
            preexec_fn=prepared.preexec_fn,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        prepared.release()
    assert "alias ll" in result.stdout and "PRIVATE KEY" not in result.stdout
    assert "Permission denied" in result.stderr


def test_network_is_off_by_default_and_on_when_granted(sandboxed: Sandboxed) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        code = (
            f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=5); print('connected')"
        )
        denied = sandboxed(["/usr/bin/python3", "-c", code])
        assert denied.returncode != 0 and "PermissionError" in denied.stderr
        allowed = sandboxed(["/usr/bin/python3", "-c", code], network=True)
        assert allowed.stdout.strip() == "connected"


def test_secrets_do_not_reach_the_child(sandboxed: Sandboxed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("SSH_AUTH_SOCK", "/tmp/agent.sock")
    monkeypatch.setenv("LD_PRELOAD", "/tmp/evil.so")
    names = {line.split("=", 1)[0] for line in sandboxed(["/usr/bin/env"]).stdout.splitlines()}
    assert not names & {"OPENAI_API_KEY", "SSH_AUTH_SOCK", "LD_PRELOAD"}
    assert "PATH" in names


def test_denied_when_no_backend_can_confine_unless_explicitly_allowed(runtime: Runtime) -> None:
    registry, bus = runtime.plugins.registries.sandboxes, EventBus()
    with pytest.raises(SandboxDenied, match=r"seatbelt: Seatbelt is macOS-only.*allow_unsandboxed"):
        choose_backend(registry, SandboxConfig(backend="seatbelt"), bus)
    with pytest.raises(SandboxDenied, match=r"only with sandbox\.allow_unsandboxed"):
        choose_backend(registry, SandboxConfig(backend="none"), bus)
    backend, _ = choose_backend(registry, SandboxConfig(backend="seatbelt", allow_unsandboxed=True), bus)
    assert backend.name == "none"
    assert [e.type for e in bus.history] == ["sandbox.unsandboxed"]


def test_a_python_project_builds_and_tests_inside(sandboxed: Sandboxed, workspace: Path) -> None:
    (workspace / "pkg").mkdir()
    (workspace / "pkg" / "__init__.py").write_text("def add(a, b):\n    return a + b\n")
    (workspace / "tests").mkdir()
    (workspace / "tests" / "test_add.py").write_text(
        "from pkg import add\n\ndef test_add():\n    assert add(2, 3) == 5\n"
    )
    (workspace / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        '[project]\nname = "pkg"\nversion = "0.1"\n'
    )
    python = sys.executable  # the dev venv: reachable because PATH points into it (toolchain roots)
    script = (
        f"{python} -m pytest -q -p no:cacheprovider tests && "
        f"{python} -m pip wheel -q --no-deps --no-build-isolation --no-index -w dist . && ls dist"
    )
    result = sandboxed(["/bin/sh", "-c", script])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "pkg-0.1-py" in result.stdout and ".whl" in result.stdout


def test_git_status_and_commit_inside(sandboxed: Sandboxed, repo: Path) -> None:
    (repo / TRUST_MARKER).unlink()
    script = (
        " ".join(GIT)
        + " add README.md && "
        + " ".join(GIT)
        + " commit -qm first && git status --short && git log --oneline"
    )
    result = sandboxed(["/bin/sh", "-c", script])
    assert result.returncode == 0, result.stderr
    assert "first" in result.stdout
    assert os.path.exists(repo / ".git" / "refs" / "heads")


def test_unix_sockets_and_new_ptys_stay_refused_but_socketpair_work_runs(sandboxed: Sandboxed) -> None:
    """Decision 0204: a pathname socket could reach a host service (docker.sock, an ssh-agent) that
    Landlock does not mediate, so socket(AF_UNIX) stays EPERM (multiprocessing's Manager fails); pools and
    queues (pipes, socketpair) work; openpty cannot open the new /dev/pts entry (no private devpts yet)."""
    code = (
        "import multiprocessing as m, os, socket\n"
        "if __name__ == '__main__':\n"
        "    with m.Pool(2) as p: print('pool', p.map(abs, [-1, -2]))\n"
        "    a, b = socket.socketpair(); a.send(b'x'); print('pair', b.recv(1))\n"
        "    try: socket.socket(socket.AF_UNIX); print('unix socket made')\n"
        "    except PermissionError as e: print('unix', e.errno)\n"
        "    try: os.openpty(); print('pty made')\n"
        "    except OSError as e: print('pty', e.errno)\n"
    )
    out = sandboxed(["/usr/bin/python3", "-c", code]).stdout
    assert "pool [1, 2]" in out and "pair b'x'" in out, out
    assert "unix 1" in out and "unix socket made" not in out, out
    assert "pty 13" in out and "pty made" not in out, out


def test_with_the_network_granted_a_server_may_bind_every_interface(sandboxed: Sandboxed) -> None:
    """A stated gap (decision 0204): Landlock's bind rules name ports and seccomp cannot read the address,
    so `sandbox.network` is the host's network both ways; the egress mode keeps servers private."""
    code = "import socket; s = socket.socket(); s.bind(('0.0.0.0', 0)); s.listen(); print('listening')"
    assert sandboxed(["/usr/bin/python3", "-c", code], network=True).stdout.strip() == "listening"
    denied = sandboxed(["/usr/bin/python3", "-c", code])
    assert denied.returncode != 0 and "PermissionError" in denied.stderr

"""Real kernel, real processes: every confinement test spawns a child and reads the kernel's verdict."""

from __future__ import annotations

import os
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from vtcode_landlock import launcher
from vtcode_landlock.build_launcher import find_compiler
from vtcode_landlock.confine import Confinement, ConfinementSpec
from vtcode_landlock.env import scrub_env
from vtcode_landlock.served import ForkServer, launch

# The system interpreter lives under /usr, which the default read set grants; a pyenv or venv python
# elsewhere would be unreadable in the sandbox.
PYTHON = "/usr/bin/python3"

# Child programs print `label=ok` or `label=<ERRNO NAME>`; `attempt` and `sys_call` make that one line.
PRELUDE = textwrap.dedent('''
    import ctypes, errno, os, socket, sys
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    def sys_call(nr, *args):
        result = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])
        if result == -1:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        return result

    def attempt(label, fn):
        try:
            fn()
            print(f"{label}=ok", flush=True)
        except OSError as exc:
            print(f"{label}={errno.errorcode.get(exc.errno, exc.errno)}", flush=True)
''')


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory no grant covers, holding a file the child must not reach."""
    root = tmp_path / "outside"
    root.mkdir()
    (root / "secret.txt").write_text("outside secret\n")
    return root.resolve()


@pytest.fixture
def private_tmp(tmp_path: Path) -> Path:
    root = tmp_path / "private-tmp"
    root.mkdir()
    return root.resolve()


@pytest.fixture
def fake_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    for rel, text in {
        ".ssh/id_rsa": "-----BEGIN FAKE PRIVATE KEY-----\n",
        ".bashrc": "alias ll='ls -l'\n",
        ".config/gh/hosts.yml": "oauth_token: gho_fake\n",
        ".config/git/config": "[user]\n\tname = Test\n",
        ".cache/tool/data": "cached\n",
    }.items():
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).write_text(text)
    return home.resolve()


@pytest.fixture
def nobody_repo() -> Iterator[Path]:
    """A repository owned by uid 65534 outside root's 0700 pytest tree, for the user-namespace path."""
    base = Path(tempfile.mkdtemp(prefix="vtcode-landlock-nobody-"))
    base.chmod(0o755)
    ws = base / "ws"
    (ws / ".git" / "hooks").mkdir(parents=True)
    (ws / ".git" / "config").write_text("[core]\n")
    for path in (ws, ws / ".git", ws / ".git" / "hooks", ws / ".git" / "config"):
        os.chown(path, 65534, 65534)
    yield ws
    for root, dirs, files in os.walk(base, topdown=False):
        for name in files:
            os.unlink(os.path.join(root, name))
        for name in dirs:
            os.rmdir(os.path.join(root, name))
    base.rmdir()


SpecFactory = Callable[..., Confinement]


@pytest.fixture
def confine(workspace: Path, private_tmp: Path) -> Iterator[SpecFactory]:
    """Build a Confinement (default: workspace and private tmp writable); closed after the test."""
    built: list[Confinement] = []

    def make(**spec: Any) -> Confinement:
        spec.setdefault("write_paths", (str(workspace),))
        if "tmp_dir" not in spec:
            spec["tmp_dir"] = str(private_tmp)
            shm = private_tmp / ".shm"  # the backend binds a directory of its private temp root on /dev/shm
            shm.mkdir(exist_ok=True)
            spec.setdefault("shm_dir", str(shm))
        conf = Confinement(ConfinementSpec(**spec))
        built.append(conf)
        return conf

    yield make
    for conf in built:
        conf.close()


Run = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture(scope="session")
def fork_server() -> Iterator[ForkServer]:
    server = ForkServer()
    server.start()
    yield server
    server.close()


def served_run(server: ForkServer, conf: Confinement, argv: list[str], *, cwd: Path | str,
               env: dict[str, str], input: str | None = None, **kw: Any) -> subprocess.CompletedProcess[str]:
    """The same launch through the fork server: the confinement as steps, the ruleset fd sent along."""
    if kw:
        pytest.skip(f"the fork server takes no {sorted(kw)} (Popen-only options): direct path only")
    proc = launch(server, argv, env, conf.steps(3, str(cwd)), conf.pass_fds,
                  stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
    out, err = proc.communicate(input.encode() if input is not None else None, timeout=120)
    return subprocess.CompletedProcess(argv, proc.returncode, out.decode(errors="replace"),
                                       err.decode(errors="replace"))


@pytest.fixture
def launcher_binary() -> str:
    """The verified C launcher (packaged, or built into this test's cache on first use). Where a compiler
    or a packaged binary exists it must work: only a machine with neither skips the launcher tests."""
    try:
        return launcher.locate()
    except launcher.LauncherUnavailable as exc:
        packaged = Path(launcher.__file__).with_name("_launcher")
        if find_compiler() is None and not packaged.exists():
            pytest.skip(f"no launcher here: {exc}")
        raise


def launcher_run(binary: str, conf: Confinement, argv: list[str], *, cwd: Path | str, env: dict[str, str],
                 input: str | None = None, **kw: Any) -> subprocess.CompletedProcess[str]:
    """The same launch through the C launcher: the same steps, encoded as a plan, posix_spawn'd."""
    if kw:
        pytest.skip(f"the launcher takes no {sorted(kw)} (Popen-only options): direct path only")
    proc = launcher.launch(binary, argv, env, conf.steps(3, str(cwd)), conf.pass_fds,
                           stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
    out, err = proc.communicate(input.encode() if input is not None else None, timeout=120)
    return subprocess.CompletedProcess(argv, proc.returncode, out.decode(errors="replace"),
                                       err.decode(errors="replace"))


@pytest.fixture(params=["direct", "fork-server", "launcher"])
def run(request: pytest.FixtureRequest, workspace: Path, private_tmp: Path) -> Run:
    """Run argv confined by `conf`, in the workspace, with a scrubbed environment: forked from this
    process with `preexec`, through the fork server with `steps`, and through the C launcher with the
    same steps as a plan (all three must enforce the same).

    HOME points into the private tmp: git treats an unreadable (EACCES, not ENOENT) ~/.config/git/config
    as fatal, so a sandboxed child needs a HOME it may read.
    """
    server = request.getfixturevalue("fork_server") if request.param == "fork-server" else None
    if server is not None:
        server.start()  # a no-op unless a test killed it
    binary = request.getfixturevalue("launcher_binary") if request.param == "launcher" else None

    def go(conf: Confinement, argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
        env = scrub_env(os.environ) | {"HOME": str(private_tmp), "TMPDIR": str(private_tmp), "LC_ALL": "C"}
        kw.setdefault("cwd", workspace)
        kw.setdefault("env", env)
        if server is not None:
            return served_run(server, conf, argv, **kw)
        if binary is not None:
            return launcher_run(binary, conf, argv, **kw)
        return subprocess.run(argv, preexec_fn=conf.preexec, capture_output=True, text=True, timeout=120,
                              check=False, **kw)

    return go


ChildResults = Callable[..., dict[str, str]]


@pytest.fixture
def child(run: Run) -> ChildResults:
    """Run Python `code` (after PRELUDE) confined; return its `label=verdict` lines as a dict."""

    def go(conf: Confinement, code: str, **kw: Any) -> dict[str, str]:
        result = run(conf, [PYTHON, "-c", PRELUDE + textwrap.dedent(code)], **kw)
        assert result.returncode == 0, result.stderr
        return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)

    return go

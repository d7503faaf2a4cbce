"""The `landlock` sandbox backend: a SandboxRequest becomes a Confinement, a cgroup and a clean env.

Modes: read-only (the workspace is read, only the private temp dir is written), workspace-write (the
workspace and the temp dir are written; protected paths stay read-only), full-access (the whole file
system and the network, but secrets stay hidden, protected paths read-only and the seccomp deny list in
force: it is "no file-system confinement", not "no sandbox"). See docs/security/sandbox.md.
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from vtcode_hookspecs import PreparedSpawn, SandboxAvailability, SandboxCleanup, SandboxRequest

from . import launcher
from .containment import Containment, ContainmentPool, open_containment
from .errors import SandboxUnavailable
from .served import ForkServer, launch

if TYPE_CHECKING:  # the rule builders (seccomp, namespaces, grants) load on the first command
    from .cache import RulesCache
    from .confine import Confinement, ConfinementSpec, NamespaceUse

PR_SET_DUMPABLE = 4
DEFAULT_MAX_PROCESSES = 1024
SHM_DIR = "shm"
Std = int | IO[Any] | None


class Launch:
    """Starts one prepared command without forking the agent: `launch(stdout=PIPE, ...)` -> a Popen.

    Through the C launcher when there is one (posix_spawn, a real child), else through the fork server.
    Raises (LauncherError or ForkServerError, one line) when it cannot confine it: the command is then not
    run; OSError when the program cannot be executed."""

    def __init__(self, starter: str | ForkServer, argv: tuple[str, ...], env: dict[str, str], cwd: str,
                 conf: Confinement, cage: Containment, umask: int | None) -> None:
        self._starter, self._argv, self._env, self._cwd = starter, argv, env, cwd
        self._conf, self._cage, self._umask = conf, cage, umask

    def __call__(self, *, stdin: Std = subprocess.DEVNULL, stdout: Std = subprocess.PIPE,
                 stderr: Std = subprocess.PIPE, terminal: bool = False,
                 pipesize: int = -1) -> subprocess.Popen[bytes]:
        extra = [self._conf.pass_fds[0]]
        steps: list[tuple[Any, ...]] = []
        if self._cage.procs_fd is not None:
            extra.append(self._cage.procs_fd)
            steps.append(("cgroup", "write_fd", 4, b"0"))  # first: every later fork is counted
        if self._umask is not None:
            steps.append(("umask", "umask", self._umask))
        if terminal:  # the caller made a PTY: its slave becomes our controlling terminal
            steps += [("session", "setsid"), ("terminal", "tty")]
        egress_index = None
        if self._conf.egress_channel is not None:
            egress_index = 3 + len(extra)
            extra.append(self._conf.egress_channel)
        steps += self._conf.steps(3, self._cwd, egress_index)
        proc: subprocess.Popen[bytes]
        if isinstance(self._starter, str):
            proc = launcher.launch(self._starter, self._argv, self._env, steps, extra, stdin, stdout, stderr,
                                   pipesize)
        else:
            proc = launch(self._starter, self._argv, self._env, steps, extra, stdin, stdout, stderr, pipesize)
        self._cage.leader = proc.pid  # the supervisor: release() asks it to kill every descendant
        return proc


@dataclass(frozen=True)
class ServedSpawn(PreparedSpawn):
    """A PreparedSpawn that can also start itself without forking the agent (`launch`: the C launcher or
    the fork server). `preexec_fn` stays valid for callers that start the child themselves (ptyprocess,
    the CLI)."""

    launch: Launch | None = None

    def start(self, *, stdin: Std = subprocess.DEVNULL, stdout: Std = subprocess.PIPE,
              stderr: Std = subprocess.PIPE, pipesize: int = -1) -> subprocess.Popen[bytes]:
        if self.launch is None:
            return super().start(stdin=stdin, stdout=stdout, stderr=stderr, pipesize=pipesize)
        return self.launch(stdin=stdin, stdout=stdout, stderr=stderr, pipesize=pipesize)


class LandlockBackend:
    """Registered as `landlock`. One per session: it caches kernel rules per spec and starts commands
    through the C launcher, else its own fork server (started only then), else by a direct fork.

    Each command still gets its own cgroup, mount plan and temp dir; those are released by `release()`."""

    name = "landlock"

    def __init__(
        self,
        *,
        mount_namespace: NamespaceUse = "auto",
        max_processes: int | None = DEFAULT_MAX_PROCESSES,
        home: str | None = None,
        fork_server: bool = True,
        launcher: bool = True,
    ) -> None:
        self.mount_namespace = mount_namespace
        self.max_processes = max_processes
        self._home = home
        self._rules_cache: RulesCache | None = None
        self.fork_server = ForkServer() if fork_server else None
        self.fork_server_error: str | None = None
        self.use_launcher = launcher
        self.launcher_error: str | None = None
        self._tmp_lock = threading.Lock()
        self._tmp_root: str | None = None
        self._env_memo: tuple[dict[str, str], dict[str, str]] | None = None
        self._cages = ContainmentPool(max_processes)

    @property
    def rules_cache(self) -> RulesCache:
        """Kernel rules per spec, made on first use: plugin loading imports none of the rule builders."""
        if self._rules_cache is None:
            from .cache import RulesCache

            self._rules_cache = RulesCache()
        return self._rules_cache

    @rules_cache.setter
    def rules_cache(self, cache: RulesCache) -> None:
        self._rules_cache = cache

    def available(self) -> SandboxAvailability:
        if sys.platform != "linux":
            return SandboxAvailability(
                available=False, reason=f"Landlock is Linux-only (this is {sys.platform})"
            )
        from .landlock import abi_version
        from .probe import mount_namespace_available

        try:
            abi = abi_version()
        except OSError as exc:
            return SandboxAvailability(available=False, reason=f"Landlock probe failed: {exc}")
        if abi < 1:
            return SandboxAvailability(
                available=False,
                reason="Landlock is not enabled in this kernel "
                "(needs Linux 5.13+ with 'landlock' in the lsm= boot list)",
            )
        protection = "mount-namespace" if mount_namespace_available() else "detect-and-restore"
        return SandboxAvailability(
            available=True,
            enforces=[
                f"landlock-abi-{abi}",
                "seccomp",
                "no_new_privs",
                f"protected:{protection}",
                "env:scrubbed",
            ],
        )

    def probe(self) -> dict[str, object]:
        """What this kernel enforces (for `vtcode sandbox probe`): forks a few short-lived children."""
        from .probe import probe

        report = probe()
        cage = open_containment(self.max_processes)
        report["process_containment"] = cage.describe()
        cage.close()
        return report

    def prepare(self, request: SandboxRequest) -> PreparedSpawn:
        """Build (or reuse) everything in the parent; the child only makes syscalls."""
        from .confine import Confinement

        home = self._home or os.path.expanduser("~")
        own_tmp = request.tmp_dir is None
        tmp_root = request.tmp_dir or self._session_tmp()
        tmp = tempfile.mkdtemp(prefix="cmd-", dir=tmp_root) if own_tmp else tmp_root
        cage = self._cages.take()
        try:
            # Specs read the file system too (PATH's toolchains): they age out with the cached rules.
            epoch = int(time.monotonic() // max(self.rules_cache.max_age_s, 1e-9))
            # A supervisor (a subreaper) on every path, with a cgroup too: the cgroup counts and caps
            # the command's processes, but only a process outside the agent can kill them all when the
            # agent itself dies (SIGKILL, a crash); the supervisor does on PR_SET_PDEATHSIG (0205).
            spec = _cached_spec(_SpecInputs.of(request, home), tmp_root, self.mount_namespace,
                                self.max_processes, os.geteuid(), epoch, True)
            channel = _egress_channel(spec)
            conf = Confinement(spec, self.rules_cache.rules(spec),
                               egress_channel=None if channel is None else channel[1].fileno())
        except BaseException:
            self._cages.give_back(cage)
            if own_tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        leader_w = cage.open_leader_pipe()
        scrubbed = self._scrubbed(request.env)
        env = self._toolchain_env(scrubbed.get("PATH", ""), home) | scrubbed | {"HOME": tmp, "TMPDIR": tmp}
        starter: str | ForkServer | None = self._launcher()
        if starter is None:
            starter = self._server()

        released: list[SandboxCleanup] = []

        def release() -> SandboxCleanup:
            if released:  # once only: a cgroup handed back twice would be shared by two commands
                return released[0]
            killed = cage.kill_all()
            self._cages.give_back(cage)
            conf.close()
            if channel is not None:
                channel[1].close()  # the agent's end is the core's to close (PreparedSpawn.egress)
            if own_tmp:
                _remove_tree(tmp)
            released.append(SandboxCleanup(killed=killed))
            return released[0]

        return ServedSpawn(
            argv=request.argv,
            cwd=request.cwd,
            env=env,
            preexec_fn=_child_setup(conf, cage, request.umask, leader_w),
            pass_fds=(*conf.pass_fds, *cage.pass_fds, leader_w),
            release=release,
            enforced=_describe(request, conf, cage, self._spawn_path(starter)),
            unprotected=conf.unprotected if request.mode != "read-only" else (),
            launch=Launch(starter, request.argv, env, request.cwd, conf, cage, request.umask)
            if starter is not None
            else None,
            egress=None if channel is None else channel[0],
        )

    def spawn(self, request: SandboxRequest) -> subprocess.Popen[bytes]:
        """The plain contract: pipes, a new session; everything is killed when the Popen is collected.

        Through the launcher or the fork server when there is one (a failure there is an error: the
        command is not run), else a direct fork with preexec_fn."""
        return self.prepare(request).spawn_owned()

    def close(self) -> None:
        """End the fork server (its children are killed) and drop cached rules; the temp root goes at exit."""
        if self.fork_server is not None:
            self.fork_server.close()
        if self._rules_cache is not None:
            self._rules_cache.clear()
        self._cages.close()

    def _scrubbed(self, env: dict[str, str]) -> dict[str, str]:
        """scrub_env, memoised on the last environment: every command of a session sends the same one,
        and judging each variable costs ~0.1 ms."""
        memo = self._env_memo
        if memo is not None and memo[0] == env:
            return dict(memo[1])
        from .env import scrub_env

        scrubbed = scrub_env(env)
        self._env_memo = (dict(env), scrubbed)
        return dict(scrubbed)

    def _toolchain_env(self, path_env: str, home: str) -> dict[str, str]:
        """CARGO_HOME, RUSTUP_HOME, PYENV_ROOT... for toolchains on PATH that keep their state under the
        real home (HOME becomes the temp dir); a value the user set already wins (merged after)."""
        from .toolchains import toolchain_homes

        return toolchain_homes(path_env, home=home)[0]

    def _launcher(self) -> str | None:
        """The verified C launcher (built on first use where the package has none); None when there is
        no binary and no compiler, or it is turned off."""
        if not self.use_launcher:
            return None
        try:
            found = launcher.locate()
        except SandboxUnavailable as exc:
            self.launcher_error = str(exc)
            return None
        self.launcher_error = None
        return found

    def _server(self) -> ForkServer | None:
        """The running fork server, started on first use; None (direct spawns) when it cannot start."""
        if self.fork_server is None:
            return None
        try:
            self.fork_server.start()
        except SandboxUnavailable as exc:
            self.fork_server_error = str(exc)
            return None
        self.fork_server_error = None
        return self.fork_server

    def _spawn_path(self, starter: str | ForkServer | None) -> str:
        if isinstance(starter, str):
            return "spawn:launcher"
        why = f" (launcher unavailable: {self.launcher_error})" if self.use_launcher else ""
        if starter is not None:
            return f"spawn:fork-server{why}"
        if self.fork_server is None:
            return f"spawn:direct{why}"
        return f"spawn:direct{why} (fork server unavailable: {self.fork_server_error})"

    def _session_tmp(self) -> str:
        """One private temp root per session, granted once (so the rules can be cached); each command
        gets its own directory inside it, removed by release()."""
        with self._tmp_lock:
            if self._tmp_root is None or not os.path.isdir(self._tmp_root):
                self._tmp_root = tempfile.mkdtemp(prefix="vtcode-sandbox-")
                os.mkdir(os.path.join(self._tmp_root, SHM_DIR), 0o700)  # the commands' private /dev/shm
                weakref.finalize(self, shutil.rmtree, self._tmp_root, True)
            return self._tmp_root


def _egress_channel(spec: ConfinementSpec) -> tuple[socket.socket, socket.socket] | None:
    """(agent's end, child's end) of the socketpair the child sends its namespace's listener on."""
    if spec.egress_port is None or spec.network:
        return None
    agent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    return agent, child


def _remove_tree(path: str) -> None:
    """A command's temp dir: usually still empty, and one rmdir is ~0.2 ms cheaper than rmtree."""
    try:
        os.rmdir(path)
    except OSError:
        shutil.rmtree(path, ignore_errors=True)


def _child_setup(conf: Confinement, cage: Containment, umask: int | None,
                 leader_w: int) -> Callable[[], None]:
    reenable_dumpable = os.geteuid() != 0 and conf.mounts is not None and conf.mounts.active

    def preexec() -> None:
        os.write(leader_w, os.getpid().to_bytes(4, "little"))  # this process stays as the supervisor
        cage.join()  # first: every later fork is counted and killable
        if umask is not None:
            os.umask(umask)
        if reenable_dumpable:
            # vtcode runs non-dumpable (hardening), which makes /proc/self/uid_map root-owned in the
            # child; the user namespace setup must write it. exec resets dumpability anyway.
            from .syscalls import prctl

            prctl(PR_SET_DUMPABLE, 1)
        conf.preexec()

    return preexec


@dataclass(frozen=True)
class _SpecInputs:
    """What of a request the spec depends on (argv, cwd and env but PATH do not matter)."""

    mode: str
    workspace: str
    read_roots: tuple[str, ...]
    network: bool
    egress_port: int | None
    protected_paths: tuple[str, ...]
    state_paths: tuple[str, ...]
    path_env: str
    home: str
    terminal: bool
    xdg_config: str = ""  # where the user's git looks for its global config (hostgit.py)

    @classmethod
    def of(cls, request: SandboxRequest, home: str) -> _SpecInputs:
        return cls(request.mode, request.workspace, request.read_roots, request.network,
                   request.egress_port, request.protected_paths, request.state_paths,
                   request.env.get("PATH", ""), home,
                   request.terminal, request.env.get("XDG_CONFIG_HOME", ""))


@functools.lru_cache(maxsize=32)
def _cached_spec(inputs: _SpecInputs, tmp: str, namespace: NamespaceUse, max_processes: int | None,
                 euid: int, epoch: int, supervise: bool = True) -> ConfinementSpec:
    """The spec is pure in its inputs but resolving PATH's toolchains costs ~1 ms, so it is memoised."""
    from .confine import ConfinementSpec
    from .defaults import SYSTEM_READ_PATHS
    from .limits import ResourceLimits
    from .toolchains import toolchain_homes, toolchain_roots

    read = (
        *SYSTEM_READ_PATHS,
        inputs.workspace,
        *inputs.read_roots,
        *toolchain_roots(inputs.path_env, home=inputs.home, workspace=inputs.workspace),
        *toolchain_homes(inputs.path_env, home=inputs.home)[1],
    )
    write: tuple[str, ...] = (inputs.workspace,)
    protected, trees = inputs.protected_paths, inputs.state_paths
    if inputs.mode == "read-only":
        write, protected, trees = (), (), ()
    elif inputs.mode == "full-access":
        read, write = ("/",), ("/",)
    if write:
        protected = (*protected, *_host_git_protected(inputs, write))
    # Root ignores RLIMIT_NPROC and a cgroup's pids.max does the job; an unprivileged child counts its
    # own user namespace's processes, so the rlimit is a second fence there.
    limits = ResourceLimits(processes=max_processes if euid != 0 else None)
    shm = os.path.join(tmp, SHM_DIR)
    return ConfinementSpec(
        write_paths=write,
        read_paths=read,
        protected_paths=protected,
        readonly_trees=trees,
        tmp_dir=tmp,
        hidden_paths=_hidden(inputs),
        network=inputs.network or inputs.mode == "full-access",
        egress_port=inputs.egress_port,
        limits=limits,
        session="inherit" if inputs.terminal else "session",
        mount_namespace=namespace,
        shm_dir=shm if os.path.isdir(shm) else None,
        supervise=supervise,
    )


def _host_git_protected(inputs: _SpecInputs, write: tuple[str, ...]) -> tuple[str, ...]:
    """The user's own git configuration (`vtcode.api.host_git_paths`, shared with Seatbelt) where the
    command may write it: all of it in full-access, what lies in the workspace otherwise (an include or a
    hooks directory there; the rest is outside every writable root and Landlock denies it already)."""
    from vtcode.api import host_git_paths

    from .grants import is_within

    home = os.path.realpath(inputs.home)
    env = {"XDG_CONFIG_HOME": inputs.xdg_config} if inputs.xdg_config else {}
    found = host_git_paths(home, env, keep_writable=(os.path.realpath(inputs.workspace), home))
    roots = [os.path.realpath(w) for w in write]
    return tuple(p for p in found if any(is_within(os.path.realpath(p), r) for r in roots))


def _hidden(inputs: _SpecInputs) -> tuple[str, ...]:
    """Secrets: the system's, the home's credential stores, and where the links inside those stores lead
    (`~/.aws/credentials -> ~/dotfiles/aws/credentials`: `vtcode.api.linked_from_stores`, shared
    with Seatbelt; a link to something holding the workspace or the home is not followed)."""
    from vtcode.api import linked_from_stores

    from .defaults import home_secret_paths, system_secret_paths

    stores = home_secret_paths(inputs.home)
    home = os.path.realpath(inputs.home)
    linked = linked_from_stores(stores, keep_clear=(os.path.realpath(inputs.workspace), home, "/"))
    return tuple(dict.fromkeys((*system_secret_paths(), *stores, *linked)))


def _network(spec: ConfinementSpec) -> str:
    if spec.network:
        return "network:on"
    if spec.egress_port is not None:
        return f"network:egress-proxy(netns+landlock-tcp-{spec.egress_port})"
    return "network:off"


def _describe(
    request: SandboxRequest, conf: Confinement, cage: Containment, spawn_path: str
) -> tuple[str, ...]:
    spec = conf.spec
    mounts = conf.mounts
    guarded = (
        "none"
        if not (spec.protected_paths or spec.readonly_trees)
        else ("mount-namespace" if mounts is not None and mounts.mounts else "detect-and-restore")
    )
    if mounts is not None and mounts.readonly_root:
        outside = "outside:read-only-mount"  # content, mode, owner, times and xattrs outside the roots
    elif not spec.metadata_syscalls:
        outside = "outside:metadata-syscalls-denied"
    else:
        outside = "outside:landlock-only"  # full access: nothing is outside the writable roots
    shm = "shm:private" if mounts is not None and mounts.private_shm else "shm:none"
    return (
        f"landlock-abi-{conf.abi}",
        f"fs:{request.mode}",
        "seccomp",
        "no_new_privs",
        _network(spec),
        f"protected:{guarded}",
        outside,
        shm,
        "ipc:private" if mounts is not None and mounts.active else "ipc:host",
        "capabilities:none",
        cage.describe(),
        "descendants:supervised" if spec.supervise else "descendants:cgroup",
        "env:scrubbed",
        "core-dumps:off",
        spawn_path,
    )

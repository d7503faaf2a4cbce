"""The `landlock` sandbox backend: a SandboxRequest becomes a Confinement, a cgroup and a clean env.

Modes: read-only (the workspace is read, only the private temp dir is written), workspace-write (the
workspace and the temp dir are written; protected paths stay read-only), full-access (the whole file
system and the network, but secrets stay hidden, protected paths read-only and the seccomp deny list in
force: it is "no file-system confinement", not "no sandbox"). See docs/security/sandbox.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import weakref
from collections.abc import Callable

from vtcode_hookspecs import PreparedSpawn, SandboxAvailability, SandboxCleanup, SandboxRequest

from .confine import Confinement, ConfinementSpec, NamespaceUse
from .containment import Containment, open_containment
from .defaults import SYSTEM_READ_PATHS, home_secret_paths, system_secret_paths
from .env import scrub_env
from .limits import ResourceLimits
from .toolchains import toolchain_roots

PR_SET_DUMPABLE = 4
DEFAULT_MAX_PROCESSES = 1024


class LandlockBackend:
    """Registered as `landlock`. Stateless between launches: each `prepare` builds and releases its own."""

    name = "landlock"

    def __init__(
        self,
        *,
        mount_namespace: NamespaceUse = "auto",
        max_processes: int | None = DEFAULT_MAX_PROCESSES,
        home: str | None = None,
    ) -> None:
        self.mount_namespace = mount_namespace
        self.max_processes = max_processes
        self._home = home

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
        """Build everything in the parent; the returned preexec_fn only makes syscalls in the child."""
        home = self._home or os.path.expanduser("~")
        own_tmp = request.tmp_dir is None
        tmp = request.tmp_dir or tempfile.mkdtemp(prefix="vtcode-sandbox-")
        try:
            conf = Confinement(_spec(request, home, tmp, self.mount_namespace, self.max_processes))
        except BaseException:
            if own_tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        cage = open_containment(self.max_processes)
        env = scrub_env(request.env) | {"HOME": tmp, "TMPDIR": tmp}
        enforced = _describe(request, conf, cage)

        def release() -> SandboxCleanup:
            killed = cage.kill_all()
            cage.close()
            conf.close()
            if own_tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            return SandboxCleanup(killed=killed)

        preexec = _child_setup(conf, cage, request.umask)
        return PreparedSpawn(
            argv=request.argv,
            cwd=request.cwd,
            env=env,
            preexec_fn=preexec,
            pass_fds=(*conf.pass_fds, *cage.pass_fds),
            release=release,
            enforced=enforced,
            unprotected=conf.unprotected if request.mode != "read-only" else (),
        )

    def spawn(self, request: SandboxRequest) -> subprocess.Popen[bytes]:
        """The plain contract: pipes, a new session; everything is killed when the Popen is collected."""
        prepared = self.prepare(request)
        try:
            proc = subprocess.Popen(
                list(prepared.argv),
                cwd=prepared.cwd,
                env=prepared.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                preexec_fn=prepared.preexec_fn,
                pass_fds=prepared.pass_fds,
            )
        except BaseException:
            prepared.release()
            raise
        weakref.finalize(proc, prepared.release)
        return proc


def _child_setup(conf: Confinement, cage: Containment, umask: int | None) -> Callable[[], None]:
    reenable_dumpable = os.geteuid() != 0 and conf.mounts is not None and bool(conf.mounts.mounts)

    def preexec() -> None:
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


def _spec(
    request: SandboxRequest, home: str, tmp: str, namespace: NamespaceUse, max_processes: int | None
) -> ConfinementSpec:
    read = (
        *SYSTEM_READ_PATHS,
        request.workspace,
        *request.read_roots,
        *toolchain_roots(request.env.get("PATH", ""), home=home, workspace=request.workspace),
    )
    write: tuple[str, ...] = (request.workspace,)
    protected = request.protected_paths
    if request.mode == "read-only":
        write, protected = (), ()
    elif request.mode == "full-access":
        read, write = ("/",), ("/",)
    # Root ignores RLIMIT_NPROC and a cgroup's pids.max does the job; an unprivileged child counts its
    # own user namespace's processes, so the rlimit is a second fence there.
    limits = ResourceLimits(processes=max_processes if os.geteuid() != 0 else None)
    return ConfinementSpec(
        write_paths=write,
        read_paths=read,
        protected_paths=protected,
        tmp_dir=tmp,
        hidden_paths=(*system_secret_paths(), *home_secret_paths(home)),
        network=request.network or request.mode == "full-access",
        limits=limits,
        session="inherit" if request.terminal else "session",
        mount_namespace=namespace,
    )


def _describe(request: SandboxRequest, conf: Confinement, cage: Containment) -> tuple[str, ...]:
    network = conf.spec.network
    guarded = (
        "none"
        if not conf.spec.protected_paths
        else ("mount-namespace" if conf.mounts is not None and conf.mounts.mounts else "detect-and-restore")
    )
    return (
        f"landlock-abi-{conf.abi}",
        f"fs:{request.mode}",
        "seccomp",
        "no_new_privs",
        f"network:{'on' if network else 'off'}",
        f"protected:{guarded}",
        cage.describe(),
        "env:scrubbed",
        "core-dumps:off",
    )

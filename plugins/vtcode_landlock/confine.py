"""A Confinement: everything built once in the parent, applied by `preexec` in each forked child.

    conf = Confinement(ConfinementSpec(write_paths=(ws,), tmp_dir=tmp, protected_paths=(...)))
    subprocess.run(argv, cwd=ws, env=scrub_env(os.environ), preexec_fn=conf.preexec)
    PtyProcess.spawn(argv, cwd=ws, env=..., preexec_fn=conf.preexec, pass_fds=conf.pass_fds)

The child only issues syscalls, in an order each step depends on: no_new_privs (Landlock and seccomp
refuse to load without it) -> mount namespace: the read-only root, private /dev/shm and read-only binds
(Landlock and seccomp both forbid mounting afterwards) -> rlimits (after the user namespace, so
RLIMIT_NPROC counts this sandbox only) -> drop every capability (after the mounts, which need them) ->
supervise (fork: the parent stays behind as the command's subreaper, outside its Landlock domain) ->
landlock_restrict_self -> seccomp last, since it denies unshare and mount -> every fd but 0-2 marked
close-on-exec (pass_fds made the ruleset and cgroup fds inheritable for preexec; they must not reach the
command).
"""

from __future__ import annotations

import dataclasses
import os
import weakref
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from .capabilities import KEEP, CapabilityDrop
from .defaults import DEVICE_PATHS, SYSTEM_READ_PATHS, system_secret_paths
from .errors import SandboxUnavailable
from .forkserver import supervise
from .grants import GrantPlan
from .landlock import RestrictFlag, Ruleset, RulesetFd, abi_version, restrict_self
from .limits import ResourceLimits, apply_rlimits, plan_rlimits
from .namespaces import (
    AT_RECURSIVE,
    CLONE_NEWIPC,
    CLONE_NEWNS,
    CLONE_NEWUSER,
    MOUNT_ATTR_RDONLY,
    MS_BIND,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    SHM_TARGET,
    MountPlan,
    enter_private_mounts,
    plan_protection,
    trees_in,
)
from .netns import egress_steps, enter_egress_namespace, hand_over_listener
from .probe import mount_namespace_available, userns_available
from .seccomp import SeccompFilter, SeccompPolicy
from .syscalls import prctl, required, syscall

PR_SET_NO_NEW_PRIVS = 38
PR_SET_DUMPABLE = 4
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
CLOSE_RANGE_CLOEXEC = 1 << 2
Session = Literal["inherit", "process_group", "session"]
NamespaceUse = Literal["auto", "required", "off"]


@dataclass(frozen=True)
class ConfinementSpec:
    """What a confined child may touch. Paths are absolute; missing ones are skipped, never guessed.

    `protected_paths` lie inside writable trees and become read-only; a trailing "/" marks a directory,
    created empty when missing (see namespaces.py). `hidden_paths` are cut out of every read or write
    grant (the default hides /etc/shadow and similar). `readonly_trees` (vtcode's own code and state) are
    made read-only whole where they lie in a writable tree, without walking them (they may be large).
    """

    write_paths: tuple[str, ...] = ()
    read_paths: tuple[str, ...] = SYSTEM_READ_PATHS
    hidden_paths: tuple[str, ...] = field(default_factory=system_secret_paths)
    protected_paths: tuple[str, ...] = ()
    readonly_trees: tuple[str, ...] = ()
    tmp_dir: str | None = None
    devices: tuple[str, ...] = DEVICE_PATHS
    # A private directory (inside tmp_dir's tree) bound on /dev/shm and granted; None: no /dev/shm.
    shm_dir: str | None = None
    network: bool = False
    # Egress mode (network off otherwise): a private network namespace holding only loopback, where
    # 127.0.0.1:egress_port is a listener handed to the agent's proxy (netns.py). Landlock lets connect()
    # reach that port only; with network=True this is ignored (full network).
    egress_port: int | None = None
    unix_sockets: bool = False
    limits: ResourceLimits = field(default_factory=ResourceLimits)
    session: Session = "inherit"
    mount_namespace: NamespaceUse = "auto"
    audit_log: bool = False  # Landlock ABI 7: log the exec'd program's denials to the kernel audit log
    # Outside the writable roots everything is read-only at the mount level (needs a mount namespace);
    # where there is none, the metadata syscalls are denied by seccomp instead (see seccomp.METADATA).
    readonly_root: bool = True
    metadata_syscalls: bool = True
    supervise: bool = True  # a subreaper stays behind and kills every descendant when the command ends


def settle(spec: ConfinementSpec) -> ConfinementSpec:
    """The spec as this machine can enforce it: without a mount namespace there is no read-only root and
    no private /dev/shm, so shared memory is not granted and the metadata syscalls are denied instead.
    Egress without a way to make a network namespace is refused: there is no weaker mode to fall back to."""
    if egress(spec) and os.geteuid() != 0 and not userns_available():
        raise SandboxUnavailable("sandbox.network mode 'allowlist' needs a network namespace, and this "
                                 "kernel refuses user namespaces to this user; nothing was run")
    if spec.mount_namespace != "off" and mount_namespace_available():
        return spec
    if spec.mount_namespace == "required":
        raise SandboxUnavailable("the sandbox needs a mount namespace, which this kernel refuses "
                                 "(user namespaces disabled?); set mount_namespace='auto' to fall back")
    if write_everything(spec):
        return dataclasses.replace(spec, readonly_root=False)
    return dataclasses.replace(spec, readonly_root=False, shm_dir=None, metadata_syscalls=False)


def egress(spec: ConfinementSpec) -> bool:
    return spec.egress_port is not None and not spec.network


def write_everything(spec: ConfinementSpec) -> bool:
    return "/" in spec.write_paths


class KernelRules:
    """What a spec compiles to that does not depend on the protected paths' current state: the Landlock
    ruleset fd, the seccomp BPF, the rlimits and the capability drop. Built once per `rules_key(spec)` and
    shared by every Confinement of that key; the fd closes when the last holder is gone (or on close())."""

    def __init__(self, spec: ConfinementSpec) -> None:
        spec = settle(spec)
        self.abi = abi_version()
        self.metadata_syscalls = spec.metadata_syscalls
        self.seccomp = SeccompFilter.for_policy(
            # Egress: inet sockets are allowed, the namespace holds only loopback; unix sockets stay denied
            # (pathname sockets are not namespaced: docker.sock, the D-Bus bus).
            SeccompPolicy(spec.network or egress(spec), spec.unix_sockets, metadata=spec.metadata_syscalls,
                          plain_protocols=egress(spec)))
        self.rlimits = plan_rlimits(spec.limits)
        self.capabilities = CapabilityDrop.everything()
        self.restrict_flags = int(RestrictFlag.LOG_NEW_EXEC_ON) if spec.audit_log and self.abi >= 7 else 0
        self.ruleset = _build_ruleset(spec, self.abi)  # last: the only step holding a resource
        # Dropped without close(), the ruleset fd must not leak for the process's lifetime.
        weakref.finalize(self, self.ruleset.close)

    def close(self) -> None:
        self.ruleset.close()


def rules_key(spec: ConfinementSpec) -> ConfinementSpec:
    """The part of a spec KernelRules depend on: per-launch fields (protected paths, session) cleared."""
    return dataclasses.replace(spec, protected_paths=(), readonly_trees=(), session="inherit",
                               mount_namespace="off", supervise=True)


class Confinement:
    """Parent-side state for one spec: a Landlock ruleset fd, a BPF program, a mount plan, rlimits.

    `rules` shares already-built KernelRules (a cache hit, see cache.py); the mount plan is always made
    afresh, since protected paths come and go between commands (`git init`)."""

    def __init__(self, spec: ConfinementSpec, rules: KernelRules | None = None,
                 egress_channel: int | None = None) -> None:
        spec = settle(spec)
        if egress(spec) and egress_channel is None:
            raise SandboxUnavailable("egress mode needs the channel to the agent's proxy (a vtcode bug)")
        self.egress_channel = egress_channel if egress(spec) else None
        if rules is not None and rules.metadata_syscalls != spec.metadata_syscalls:
            raise SandboxUnavailable("kernel rules built for another spec; this is a vtcode bug")
        self.spec = spec
        self.mounts = _plan_mounts(spec)
        self._owns_rules = rules is None
        self.rules = rules if rules is not None else KernelRules(spec)
        self.abi = self.rules.abi
        self._parent_pid = os.getpid()
        self._close_range = required("close_range")

    @property
    def grants(self) -> GrantPlan:
        return self.rules.ruleset.plan

    @property
    def pass_fds(self) -> tuple[int, ...]:
        """Fds preexec needs. subprocess closes fds only after preexec_fn; ptyprocess closes them before,
        so give it `pass_fds=conf.pass_fds`. They stay O_CLOEXEC: the exec'd program never holds them."""
        return (self.rules.ruleset.fd, *(() if self.egress_channel is None else (self.egress_channel,)))

    @property
    def _egress_own_userns(self) -> bool:
        """An unprivileged child with no user namespace for mounts makes one for the network namespace."""
        return os.geteuid() != 0 and not (self.mounts is not None and self.mounts.active)

    @property
    def unprotected(self) -> tuple[str, ...]:
        """Protected paths the kernel is NOT guarding: the caller must detect-and-restore these."""
        if self.mounts is None:
            return (*self.spec.protected_paths, *trees_in(self.spec.readonly_trees, _writable(self.spec)))
        return self.mounts.unprotected

    def preexec(self) -> None:
        """Confine the calling process; for subprocess's preexec_fn (or ptyprocess's), never the parent.

        With `spec.supervise` this forks: the process subprocess started stays behind as the command's
        supervisor (forkserver.supervise) and never returns; the new child returns and is exec'd."""
        if os.getpid() == self._parent_pid:
            raise RuntimeError("Confinement.preexec confines the calling process: pass it as preexec_fn")
        rules = self.rules
        if rules.ruleset.closed:
            raise SandboxUnavailable("this Confinement was closed; build a new one to spawn")
        step = "no_new_privs"
        try:
            prctl(PR_SET_NO_NEW_PRIVS, 1)  # also stops setuid binaries from regaining what we drop
            step = "session"
            if self.spec.session == "session":
                os.setsid()
            elif self.spec.session == "process_group":
                os.setpgid(0, 0)
            if self.mounts is not None and self.mounts.active:
                step = "mount namespace"
                enter_private_mounts(self.mounts)
                # subprocess entered `cwd` before preexec_fn: that is the directory *under* any bind
                # mount made since, so a cwd inside a protected path would still be writable through
                # relative names. Enter it again by name, onto the read-only mounts.
                step = "cwd"
                os.chdir(os.getcwd())
            if self.egress_channel is not None and self.spec.egress_port is not None:
                step = "network namespace"
                enter_egress_namespace(self._egress_own_userns)
                step = "egress listener"
                hand_over_listener(self.egress_channel, self.spec.egress_port)
            step = "resource limits"
            apply_rlimits(rules.rlimits)
            if self._drops_capabilities:
                step = "capabilities"
                rules.capabilities.apply()
            if self.spec.supervise:
                step = "supervise"
                supervise(self._parent_pid)
            step = "landlock"
            restrict_self(rules.ruleset.fd, rules.restrict_flags)
            step = "seccomp"
            rules.seccomp.install()
            step = "fds"
            syscall(self._close_range, 3, 0xFFFFFFFF, CLOSE_RANGE_CLOEXEC, what="close_range")
        except (OSError, ValueError) as exc:  # setrlimit reports EPERM as ValueError
            # subprocess reports any preexec failure as a bare SubprocessError; leave the reason on the
            # child's stderr. Nothing was exec'd: the failure is closed.
            os.write(2, f"vtcode-landlock: sandbox step {step!r} failed: {exc}; nothing was run\n".encode())
            raise SandboxUnavailable(f"sandbox step {step!r} failed in the child: {exc}") from exc

    @property
    def _drops_capabilities(self) -> bool:
        """Root holds capabilities; so does an unprivileged child inside the user namespace it made."""
        return (os.geteuid() == 0 or (self.mounts is not None and self.mounts.active)
                or self.egress_channel is not None)

    def steps(self, ruleset_index: int, cwd: str | None = None,
              egress_index: int | None = None) -> list[tuple[Any, ...]]:
        """The same confinement as `preexec`, as data for the fork server (forkserver.run_step).

        `ruleset_index` is where the ruleset fd sits among the fds sent with the request. The working
        directory is entered after the mounts, so a cwd inside a protected path sees the read-only mount.
        """
        rules = self.rules
        if rules.ruleset.closed:
            raise SandboxUnavailable("this Confinement was closed; build a new one to spawn")
        steps: list[tuple[Any, ...]] = [("no_new_privs", "prctl", PR_SET_NO_NEW_PRIVS, 1, 0)]
        if self.spec.session == "session":
            steps.append(("session", "setsid"))
        elif self.spec.session == "process_group":
            steps.append(("session", "setpgid"))
        if self.mounts is not None and self.mounts.active:
            steps += _mount_steps(self.mounts)
        if cwd is not None:
            steps.append(("cwd", "chdir", cwd))
        if self.egress_channel is not None and self.spec.egress_port is not None:
            if egress_index is None:
                raise SandboxUnavailable("egress mode: the launch passes no channel fd; this is a vtcode bug")
            steps += egress_steps(self._egress_own_userns, egress_index, self.spec.egress_port)
        steps += [("resource limits", "setrlimit", res, soft, hard) for res, soft, hard in rules.rlimits]
        if self._drops_capabilities:
            keep = sum(1 << c for c in KEEP)
            steps += [("capabilities", "prctl", PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0),
                      ("capabilities", "capbset_drop", rules.capabilities.drop),
                      ("capabilities", "cap_trim", keep & 0xFFFFFFFF, keep >> 32)]
        if self.spec.supervise:
            steps.append(("supervise", "supervise"))
        steps.append(("landlock", "landlock", ruleset_index, rules.restrict_flags))
        steps.append(("seccomp", "seccomp", rules.seccomp.bpf))
        return steps

    def close(self) -> None:
        if self._owns_rules:
            self.rules.close()

    def __enter__(self) -> Confinement:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _mount_steps(plan: MountPlan) -> list[tuple[Any, ...]]:
    """namespaces.enter_private_mounts as fork-server steps (the server child is not dumpable)."""
    label = "mount namespace"
    if os.geteuid() == 0:
        steps: list[tuple[Any, ...]] = [(label, "unshare", CLONE_NEWNS | CLONE_NEWIPC)]
    else:
        uid, gid = os.geteuid(), os.getegid()
        steps = [(label, "prctl", PR_SET_DUMPABLE, 1, 0),
                 (label, "unshare", CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC),
                 (label, "write_proc", b"setgroups", b"deny"),
                 (label, "write_proc", b"uid_map", b"%d %d 1" % (uid, uid)),
                 (label, "write_proc", b"gid_map", b"%d %d 1" % (gid, gid))]
    steps.append((label, "mount", None, b"/", MS_REC | MS_PRIVATE))
    if plan.readonly_root:
        label = "read-only root"
        steps += [(label, "mount", root, root, MS_BIND | MS_REC) for root in plan.writable]
        steps.append((label, "mount_setattr", b"/", AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0))
        steps += [(label, "mount_setattr", root, 0, 0, MOUNT_ATTR_RDONLY) for root in plan.writable]
    if plan.private_shm is not None:
        steps.append(("private /dev/shm", "mount", plan.private_shm, SHM_TARGET, MS_BIND))
    label = "protected paths"
    for m in plan.mounts:
        steps.append((label, "mount", m.path, m.path, MS_BIND | MS_REC))
        if m.readonly:
            steps.append((label, "mount", None, m.path, MS_REMOUNT | MS_BIND | MS_RDONLY | m.keep_flags))
    return steps


def _plan_mounts(spec: ConfinementSpec) -> MountPlan | None:
    """The child's mounts, or None when there is no mount namespace (the caller must then detect-and-restore
    protected paths, and the spec denies metadata syscalls and shared memory instead)."""
    wanted = spec.protected_paths or spec.readonly_root or spec.shm_dir or trees_in(spec.readonly_trees,
                                                                                    _writable(spec))
    if not wanted or spec.mount_namespace == "off":
        return None
    if not mount_namespace_available():
        return None  # settle() already refused "required" and withdrew what needs the namespace
    return plan_protection(spec.protected_paths, _writable(spec), readonly_root=spec.readonly_root,
                           private_shm=spec.shm_dir, trees=spec.readonly_trees)


def _writable(spec: ConfinementSpec) -> tuple[str, ...]:
    return (*spec.write_paths, *((spec.tmp_dir,) if spec.tmp_dir else ()))


def _build_ruleset(spec: ConfinementSpec, abi: int) -> RulesetFd:
    if abi < 1:
        raise SandboxUnavailable("Landlock is not available in this kernel (needs Linux 5.13+ with "
                                 "'landlock' in the lsm= boot list); refusing to run unconfined")
    ruleset = Ruleset(abi, restrict_network=not spec.network,
                      connect_ports=(spec.egress_port,) if egress(spec) and spec.egress_port else ())
    for path in spec.read_paths:
        ruleset.allow_read(path)
    for path in (*spec.write_paths, *((spec.shm_dir,) if spec.shm_dir else ()),
                 *((spec.tmp_dir,) if spec.tmp_dir else ())):
        ruleset.allow_write(path)
    for path in spec.devices:
        ruleset.allow_device(path)
    ruleset.hide(spec.hidden_paths)
    return ruleset.create()

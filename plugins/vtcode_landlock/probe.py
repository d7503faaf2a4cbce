"""What this machine's kernel can enforce, measured rather than guessed; cheap and JSON-serialisable."""

from __future__ import annotations

import functools
import os
import platform
import sys
from collections.abc import Callable

from .landlock import abi_version
from .namespaces import (
    MS_BIND,
    MS_PRIVATE,
    MS_REC,
    enter_mount_namespace,
    enter_user_namespace,
    mount_readonly_tree,
)
from .syscalls import mount, prctl

PR_GET_SECCOMP, PR_GET_NO_NEW_PRIVS = 21, 39


def _works(call: Callable[[], object]) -> bool:
    try:
        call()
    except OSError:
        return False
    return True


PR_SET_DUMPABLE = 4


def _in_child(step: Callable[[], None]) -> bool:
    """Run `step` in a forked child, so a namespace it creates never touches this process."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child exits before coverage could record it
        code = 1
        try:
            # A hardened (non-dumpable) vtcode makes /proc/self/uid_map root-owned in the child, so an
            # unprivileged user namespace could not be mapped: the probe must see what a spawn will see.
            prctl(PR_SET_DUMPABLE, 1)
            step()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0


def _user_and_mount_namespace() -> None:
    enter_user_namespace()
    # AppArmor's userns restriction (Ubuntu 24.04) lets unshare succeed but strips the capabilities a
    # mount needs, so only a successful mount proves the namespace is usable.
    mount(None, b"/", MS_REC | MS_PRIVATE)


def userns_available() -> bool:
    """True if an unprivileged user + mount namespace can be created and mounted in here."""
    return sys.platform == "linux" and _in_child(_user_and_mount_namespace)


def _private_mounts() -> None:
    """What a spawn's mount step does: a namespace, a bind, every mount read-only, one writable again."""
    enter_mount_namespace()
    mount(b"/usr", b"/usr", MS_BIND | MS_REC)
    mount_readonly_tree(b"/", readonly=True, recursive=True)
    mount_readonly_tree(b"/usr", readonly=False, recursive=False)


@functools.cache
def mount_namespace_available() -> bool:
    """True if this process's children can get a private mount namespace (root: without a userns).

    Cached: every Confinement asks, and the probe forks a child; the sysctls behind it do not change
    during an agent's run (a change makes spawns fail closed in the child, never run unprotected).
    """
    return sys.platform == "linux" and _in_child(_private_mounts)


def probe() -> dict[str, object]:
    """Landlock ABI, seccomp, namespaces and no_new_privs as this kernel enforces them."""
    if sys.platform != "linux":
        return {"platform": sys.platform, "landlock_abi": 0, "seccomp": False, "user_namespaces": False,
                "mount_namespace": False, "no_new_privs": False}
    return {
        "platform": sys.platform,
        "machine": platform.machine(),
        "kernel": platform.release(),
        "landlock_abi": abi_version(),
        "seccomp": _works(lambda: prctl(PR_GET_SECCOMP)),
        "user_namespaces": userns_available(),
        "mount_namespace": mount_namespace_available(),
        "no_new_privs": _works(lambda: prctl(PR_GET_NO_NEW_PRIVS)),
        "euid": os.geteuid(),
    }

"""The egress mode's network namespace: the command's only route out is the agent's proxy.

The child enters a new network namespace (it holds only a loopback device, down), brings `lo` up,
listens on 127.0.0.1:<port> *inside* that namespace and sends the listening socket to the agent over a
socketpair the agent made (SCM_RIGHTS). A socket keeps the namespace it was made in, so the agent's proxy
accepts, in its own process, connections made inside the sandbox: no bridge process runs in there that
the command could signal, ptrace or replace. Anything else the command tries — another address, UDP, DNS
to any resolver — finds only that loopback device. See docs/decisions/2201-network-egress.md.

The same steps run on every spawn path: `egress_steps` for the launcher and the fork server,
`enter_egress_namespace` + `hand_over_listener` for the direct preexec path.
"""

from __future__ import annotations

import os
from typing import Any

from .forkserver import hand_over_listener
from .namespaces import CLONE_NEWUSER, write_proc_self
from .syscalls import prctl, unshare

CLONE_NEWNET = 0x40000000
PR_GET_DUMPABLE, PR_SET_DUMPABLE = 3, 4


def egress_steps(own_userns: bool, channel_index: int, port: int) -> list[tuple[Any, ...]]:
    """The namespace and the listener as launcher / fork-server steps. `own_userns`: an unprivileged child
    with no user namespace yet makes one for the network namespace (it then drops the capabilities it
    holds there, like a child that made one for its mounts)."""
    label = "network namespace"
    if own_userns:
        uid, gid = os.geteuid(), os.getegid()
        steps: list[tuple[Any, ...]] = [
            (label, "prctl", PR_SET_DUMPABLE, 1, 0),
            (label, "unshare", CLONE_NEWUSER | CLONE_NEWNET),
            (label, "write_proc", b"setgroups", b"deny"),
            (label, "write_proc", b"uid_map", b"%d %d 1" % (uid, uid)),
            (label, "write_proc", b"gid_map", b"%d %d 1" % (gid, gid)),
        ]
    else:
        steps = [(label, "unshare", CLONE_NEWNET)]
    steps.append(("egress listener", "egress_listener", channel_index, port))
    return steps


def enter_egress_namespace(own_userns: bool) -> None:
    if own_userns:
        uid, gid = os.geteuid(), os.getegid()
        if prctl(PR_GET_DUMPABLE) == 0:
            prctl(PR_SET_DUMPABLE, 1)
        unshare(CLONE_NEWUSER | CLONE_NEWNET)
        write_proc_self(b"setgroups", b"deny")
        write_proc_self(b"uid_map", b"%d %d 1" % (uid, uid))
        write_proc_self(b"gid_map", b"%d %d 1" % (gid, gid))
    else:
        unshare(CLONE_NEWNET)


__all__ = ["egress_steps", "enter_egress_namespace", "hand_over_listener"]

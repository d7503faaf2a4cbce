"""Resource limits for the child, clamped in the parent and applied with setrlimit in the child.

RLIMIT_NPROC counts processes per real uid, not per sandbox. A non-root child sets it after creating its
user namespace, where the kernel counts the uid's processes inside that namespace, so the limit is
effectively per sandbox. Root ignores RLIMIT_NPROC entirely (the kernel exempts uid 0 and
CAP_SYS_RESOURCE), so for a root agent the process limit is not enforced.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceLimits:
    """None leaves the inherited limit; core dumps are always off (they would write memory to disk)."""

    cpu_seconds: int | None = None
    address_space_bytes: int | None = None  # breaks runtimes that reserve large address space (Go, JVM, ASan)
    open_files: int | None = None
    processes: int | None = None
    file_size_bytes: int | None = None  # SIGXFSZ past it


RlimitPlan = tuple[tuple[int, int, int], ...]  # (resource, soft, hard)


def plan_rlimits(limits: ResourceLimits) -> RlimitPlan:
    """Soft and hard limits to set, never above the current hard limit (an unprivileged raise is EPERM)."""
    wanted = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.address_space_bytes),
        (resource.RLIMIT_NOFILE, limits.open_files),
        (resource.RLIMIT_NPROC, limits.processes),
        (resource.RLIMIT_FSIZE, limits.file_size_bytes),
    ]
    plan: list[tuple[int, int, int]] = []
    for res, value in wanted:
        if value is None:
            continue
        if value < 0:
            raise ValueError(f"resource limit {res} must be >= 0, got {value}")
        _, hard_now = resource.getrlimit(res)
        hard = value if hard_now == resource.RLIM_INFINITY else min(value, hard_now)
        # The hard limit is lowered too, so the child cannot raise it back.
        plan.append((res, hard, hard))
    return tuple(plan)


def apply_rlimits(plan: RlimitPlan) -> None:
    for res, soft, hard in plan:
        resource.setrlimit(res, (soft, hard))

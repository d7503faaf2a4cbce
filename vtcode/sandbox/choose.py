"""Which backend confines commands here: the configured one, or the platform's own for `auto`.

Fail closed: a backend that is missing, blocked or unable to confine on this machine means commands
are denied, unless `sandbox.allow_unsandboxed = true`, which picks `none` and says so in an event.
"""

from __future__ import annotations

import sys

from vtcode_hookspecs import SandboxAvailability, SandboxBackend, SandboxSelected, SandboxUnsandboxed

from vtcode.config.models import SandboxConfig
from vtcode.events import EventBus
from vtcode.plugins.registry import Registry

from .errors import SandboxDenied

PLATFORM_BACKENDS = {"linux": ("landlock",), "darwin": ("seatbelt",)}


def choose_backend(
    backends: Registry[SandboxBackend], config: SandboxConfig, bus: EventBus
) -> tuple[SandboxBackend, SandboxAvailability]:
    wanted = PLATFORM_BACKENDS.get(sys.platform, ()) if config.backend == "auto" else (config.backend,)
    reasons: list[str] = []
    for name in wanted:
        entry = backends.get(name) if name != "none" else None
        if entry is None:
            reasons.append(
                f"{name}: "
                + (
                    "only with sandbox.allow_unsandboxed"
                    if name == "none"
                    else "not registered (plugin disabled, blocked or not installed)"
                )
            )
            continue
        availability = entry.obj.available()
        if availability.available:
            bus.record(SandboxSelected(backend=name, enforces=availability.enforces))
            return entry.obj, availability
        reasons.append(f"{name}: {availability.reason}")
    if not wanted:
        reasons.append(f"no sandbox backend is known for platform {sys.platform!r}")
    why = "; ".join(reasons)
    fallback = backends.get("none")
    if config.allow_unsandboxed and fallback is not None:
        bus.record(
            SandboxUnsandboxed(
                name="none",
                reason=f"commands run WITHOUT a sandbox (sandbox.allow_unsandboxed = true): {why}",
            )
        )
        return fallback.obj, fallback.obj.available()
    raise SandboxDenied(
        f"no sandbox can confine commands here ({why}); commands are denied. "
        "Set sandbox.allow_unsandboxed = true to run them unconfined"
    )

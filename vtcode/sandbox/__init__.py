"""The core's side of sandboxing: choose a backend (fail closed), bind it to the workspace, restore
protected paths the kernel could not guard. The confinement itself lives in backend plugins."""

from __future__ import annotations

from pathlib import Path

from vtcode_hookspecs import SandboxBackend

from vtcode.config.models import SandboxConfig
from vtcode.events import EventBus
from vtcode.plugins.registry import Registry

from .choose import choose_backend
from .errors import SandboxDenied
from .protected import kernel_protected_paths
from .workspace import WorkspaceSandbox

__all__ = ["SandboxDenied", "WorkspaceSandbox", "choose_backend", "kernel_protected_paths", "open_sandbox"]


def open_sandbox(
    backends: Registry[SandboxBackend], config: SandboxConfig, root: Path, bus: EventBus
) -> WorkspaceSandbox:
    """The workspace's sandbox, or SandboxDenied when none can be applied and unsandboxed runs are off."""
    backend, _ = choose_backend(backends, config, bus)
    return WorkspaceSandbox(backend, config, root, bus)

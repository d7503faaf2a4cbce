"""The core's side of sandboxing: choose a backend (fail closed), bind it to the workspace, restore
protected paths the kernel could not guard. The confinement itself lives in backend plugins."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vtcode_hookspecs import SandboxBackend

from vtcode.config.models import SandboxConfig
from vtcode.events import EventBus
from vtcode.plugins.registry import Registry

from .choose import choose_backend
from .egress import Ask, approved_hosts, network_asker
from .errors import SandboxDenied
from .protected import kernel_protected_paths
from .workspace import WorkspaceSandbox

__all__ = [
    "Ask",
    "SandboxDenied",
    "WorkspaceSandbox",
    "approved_hosts",
    "choose_backend",
    "kernel_protected_paths",
    "network_asker",
    "open_sandbox",
]


def open_sandbox(
    backends: Registry[SandboxBackend], config: SandboxConfig, root: Path, bus: EventBus,
    *, ask_network: Ask | None = None, approved_hosts: Sequence[str] = (),
) -> WorkspaceSandbox:
    """The workspace's sandbox, or SandboxDenied when none can be applied and unsandboxed runs are off.
    `ask_network(host, port, method)`: whom the egress proxy asks about a host no rule names."""
    backend, _ = choose_backend(backends, config, bus)
    return WorkspaceSandbox(backend, config, root, bus, ask_network=ask_network,
                            approved_hosts=approved_hosts)

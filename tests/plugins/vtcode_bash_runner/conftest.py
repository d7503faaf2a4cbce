"""The bash runner through the real core: the registered `landlock` backend chosen by the core, a real
CallContext, real processes on this kernel. `tool(name, **args)` validates args and invokes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from vtcode_hookspecs import ToolResult

from vtcode.config.models import SandboxConfig
from vtcode.events import EventBus
from vtcode.runtime import Runtime, open_runtime
from vtcode.sandbox import WorkspaceSandbox, open_sandbox
from vtcode.tools.call_context import CallContext
from vtcode.workspace.jail import Jail


@pytest.fixture
def runtime(workspace: Path) -> Iterator[Runtime]:
    rt = open_runtime(workspace, attach_sinks=False)
    yield rt
    rt.bus.close()


@pytest.fixture
def box(runtime: Runtime, workspace: Path) -> WorkspaceSandbox:
    """The sandbox the core picks from the registered backends with the default config."""
    return open_sandbox(runtime.plugins.registries.sandboxes, SandboxConfig(), workspace, runtime.bus)


ToolCall = Callable[..., ToolResult]


@pytest.fixture
def tool(runtime: Runtime, box: WorkspaceSandbox, workspace: Path) -> ToolCall:
    def call(name: str, sandbox: WorkspaceSandbox | None = None, **args: Any) -> ToolResult:
        entry = runtime.plugins.registries.tools.get(name)
        assert entry is not None, f"{name} is not registered"
        ctx = CallContext(Jail(workspace), runtime.bus, name, sandbox=sandbox or box)
        parsed = entry.obj.args_model.model_validate(args)
        where = getattr(entry.obj, "judged_args", None)  # as the runner does before the policy judges
        return entry.obj.invoke(ctx, where(parsed) if where is not None else parsed)

    return call


def events(bus: EventBus, prefix: str) -> list[dict[str, Any]]:
    return [{"type": e.type, **e.payload} for e in bus.history if e.type.startswith(prefix)]


@pytest.fixture
def seen(runtime: Runtime) -> Callable[[str], list[dict[str, Any]]]:
    return lambda prefix: events(runtime.bus, prefix)

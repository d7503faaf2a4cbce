"""Sandbox backends: say whether they can confine here, and spawn confined processes."""

from __future__ import annotations

import subprocess
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

SandboxMode = Literal["read-only", "workspace-write", "full-access"]


class SandboxRequest(BaseModel):
    """Everything a backend needs to start one process; paths are absolute and already jailed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    argv: tuple[str, ...] = Field(min_length=1)
    cwd: str
    workspace: str
    mode: SandboxMode = "workspace-write"
    network: bool = False
    env: dict[str, str] = Field(default_factory=dict)
    read_roots: tuple[str, ...] = ()
    protected_paths: tuple[str, ...] = ()
    timeout_s: float | None = None


class SandboxAvailability(BaseModel):
    model_config = ConfigDict(extra="forbid")

    available: bool
    enforces: list[str] = Field(default_factory=list)  # e.g. ["landlock-abi-7", "seccomp", "userns"]
    reason: str = ""


@runtime_checkable
class SandboxBackend(Protocol):
    @property
    def name(self) -> str: ...

    def available(self) -> SandboxAvailability: ...

    def spawn(self, request: SandboxRequest) -> subprocess.Popen[bytes]: ...

"""What the gate concluded about each plugin: the rows of `vtcode plugins list`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .signoff import Status


@dataclass
class PluginRecord:
    name: str
    distribution: str
    version: str
    builtin: bool
    status: Status
    reason: str
    integrity: str
    record_digest: str | None
    families: frozenset[str] = frozenset()  # what the sign-off allows
    declared: frozenset[str] = frozenset()  # what its source defines (static scan)
    implements: frozenset[str] = frozenset()  # what it registered hookimpls for (after loading)
    registered: dict[str, list[str]] = field(default_factory=dict)  # family -> names

    def block(self, status: Status, reason: str) -> None:
        self.status = status
        self.reason = reason
        self.registered = {}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "builtin": self.builtin,
            "status": self.status.value,
            "reason": self.reason,
            "integrity": self.integrity,
            "record_digest": self.record_digest,
            "hook_families": sorted(self.implements or self.declared),
            "approved_families": sorted(self.families),
            "registered": {k: sorted(v) for k, v in sorted(self.registered.items())},
        }

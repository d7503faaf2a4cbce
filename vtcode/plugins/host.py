"""The loaded plugin set and a typed facade over the hooks that are called rather than collected."""

from __future__ import annotations

from dataclasses import dataclass

from vtcode_hookspecs import ActionRequest, Decision, RuleId, Verdict

from vtcode.events import EventBus

from .manager import GatedPluginManager
from .records import PluginRecord
from .registry import Registries


@dataclass
class PluginHost:
    pm: GatedPluginManager
    records: list[PluginRecord]
    registries: Registries
    bus: EventBus

    def record(self, name: str) -> PluginRecord | None:
        return next((r for r in self.records if r.name == name or r.distribution == name), None)

    def review(self, action: ActionRequest, decision: Decision) -> Decision:
        """Let review_action plugins tighten a decision; the strictest answer wins. A reviewer that
        fails makes the action denied: a DLP check that crashed has not said yes."""
        final = decision
        for impl in self.pm.hook.review_action.get_hookimpls():
            try:
                offered = {"action": action, "decision": final}
                answer = impl.function(**{arg: offered[arg] for arg in impl.argnames})
            except Exception as exc:
                answer = Decision(
                    verdict=Verdict.DENY,
                    reason=f"review plugin {impl.plugin_name!r} failed: {exc}",
                    rule=RuleId("plugin", detail=impl.plugin_name),
                )
            if isinstance(answer, Decision) and answer.verdict.strictness > final.verdict.strictness:
                final = answer
        return final

"""The status bar: what the security layers are doing right now, in one or two lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from vtcode.terminal import neutral

if TYPE_CHECKING:
    from vtcode.tui.workbench import Facts


class StatusBar(Static):
    def show(self, facts: Facts, busy: str = "") -> None:
        line = Text()
        model_style = {"ok": "green", "failover": "yellow", "unreachable": "bold red"}.get(
            facts.model_state, ""
        )
        line.append(f" {neutral(facts.provider)}/{neutral(facts.model)} ", style=model_style)  # server-named
        line.append(f"[{facts.model_state}] ")
        line.append("│ ")
        line.append(
            "trusted" if facts.trusted else "untrusted", style="green" if facts.trusted else "bold red"
        )
        line.append(" │ sandbox ")
        line.append(facts.sandbox, style="red" if facts.sandbox.startswith("none") else "")
        if facts.enforces:
            line.append(" " + ",".join(facts.enforces), style="dim")
        line.append(f" │ approvals {facts.approval_mode}")
        line.append(f" │ tokens {facts.tokens_used:,}/{facts.token_limit:,}")
        if busy:
            line.append(f" │ {busy}", style="bold")
        self.update(line)

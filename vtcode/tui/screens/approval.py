"""The approval modal: the exact action (the command and every sub-command the parser found, or the tool,
file and diff), the rule and reason, and only the answers the broker offered. The agent's thread is
blocked until it closes (see asker.py), so nothing runs while it is open."""

from __future__ import annotations

from typing import Literal

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from vtcode.approvals import Answer, ApprovalPrompt
from vtcode.approvals.askers import command_text, shown
from vtcode.terminal import neutral_block

KEYS = {Answer.ONCE: "y", Answer.SESSION: "s", Answer.ALWAYS: "a", Answer.DENY: "n"}
LABELS = {
    Answer.ONCE: "Allow once [y]",
    Answer.SESSION: "Allow for session [s]",
    Answer.ALWAYS: "Always allow [a]",
    Answer.DENY: "Deny [n]",
}

Variant = Literal["default", "primary", "error"]
VARIANTS: dict[Answer, Variant] = {Answer.ONCE: "primary", Answer.DENY: "error"}


def describe(prompt: ApprovalPrompt) -> Text:
    action = prompt.action
    text = Text()
    if action.kind == "command":
        command = shown(action.shell) if action.shell is not None else command_text(action.argv or ())
        text.append("command  ", style="bold")
        text.append(command + "\n")
        for argv in prompt.commands:
            text.append("  runs   ", style="dim")
            text.append(command_text(argv) + "\n")
    if action.tool:
        text.append("tool     ", style="bold")
        text.append(shown(action.tool) + "\n")
    if action.path and action.kind == "command":  # a command's path is where it runs, not what it reads
        text.append("in       ", style="bold")
        text.append(f"{shown(action.path)}\n")
        for target in written_by(action.shell):
            text.append("writes   ", style="bold")
            text.append(f"{shown(target)}\n")
    elif action.path:
        text.append("path     ", style="bold")
        text.append(f"{shown(action.path)} ({'write' if action.write else 'read'})\n")
    text.append("why      ", style="bold")
    text.append(f"{shown(prompt.decision.reason)}\n")
    text.append("rule     ", style="bold")
    text.append(f"{shown(str(prompt.decision.rule))}\n")
    text.append("digest   ", style="bold")
    text.append(prompt.digest, style="dim")
    if prompt.always_rule is not None and Answer.ALWAYS in prompt.offers:
        text.append("\nalways   ", style="bold")
        text.append(f"saves {shown(prompt.always_rule)}")
    return text


def written_by(shell: str | None) -> list[str]:
    """The files a shell string's redirections write (`> newfile.txt`), as the policy parsed them."""
    if not shell:
        return []
    from vtcode.policy.shell.api import parse_shell

    result = parse_shell(shell)
    found: list[str] = []
    for redirect in (*result.redirects, *(r for c in result.commands for r in c.redirects)):
        if redirect.writes and redirect.target and redirect.target != "/dev/null":
            target = redirect.target + (" (known only when it runs)" if redirect.dynamic else "")
            if target not in found:
                found.append(target)
    return found


class ApprovalScreen(ModalScreen[Answer]):
    BINDINGS = [
        Binding("y", "answer('allow-once')", "allow once", show=False),
        Binding("s", "answer('allow-session')", "allow for session", show=False),
        Binding("a", "answer('allow-always')", "always", show=False),
        Binding("n", "answer('deny')", "deny", show=False),
        Binding("escape", "answer('deny')", "deny", show=False),
    ]

    def __init__(self, prompt: ApprovalPrompt, diff: str = "") -> None:
        super().__init__(classes="approval")
        self.prompt = prompt
        self.diff = diff

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="approval-box"):
            yield Static(Text("Approval needed", style="bold"), id="approval-title")
            yield Static(describe(self.prompt), id="approval-action")
            if self.diff:
                # The diff is the model's content: escapes in it would act on the terminal, hide lines or
                # set the clipboard; neutralised, they show as text.
                diff = neutral_block(self.diff)
                yield Static(Syntax(diff, "diff", theme="ansi_dark", word_wrap=True), id="approval-diff")
            with Horizontal(id="approval-buttons"):
                for offer in self.prompt.offers:
                    variant = VARIANTS.get(offer, "default")
                    # Text, not a markup string: "[y]" would be read as a style tag and the key
                    # would vanish from the label.
                    yield Button(Text(LABELS[offer]), id=f"answer-{offer.value}", variant=variant)

    def on_mount(self) -> None:
        # Focus starts on deny: a stray Enter must not approve anything.
        self.query_one(f"#answer-{Answer.DENY.value}", Button).focus()

    def action_answer(self, value: str) -> None:
        answer = Answer(value)
        if answer in self.prompt.offers:  # "always" where the policy does not permit it does nothing
            self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id and event.button.id.startswith("answer-"):
            self.action_answer(event.button.id.removeprefix("answer-"))

"""The approval modal: the exact action (the command and every sub-command the parser found, or the tool,
file and diff), the rule and reason, and only the answers the broker offered. The agent's thread is
blocked until it closes (see asker.py), so nothing runs while it is open.

An answer that allows is taken only when it is deliberate and informed:

- not while the person is typing: the modal opens while they may be typing their next message, and the
  next letter (`s` in "please") would answer it. An answer key (y, s, a, n) counts only after QUIET_S
  without any key (and after QUIET_S since the modal appeared), as in `exec`; a click that allows
  likewise. Esc denies at once: nobody types it in a sentence.
- not before the whole action was on screen: when it is taller than the box, the box starts at its top
  and the answers that allow wait until it has been scrolled to its end.

Denying is taken at once: it is never harmful."""

from __future__ import annotations

import time
from typing import Literal

from rich.syntax import Syntax
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from vtcode.approvals import Answer, ApprovalPrompt
from vtcode.approvals.askers import command_text, session_lines, shown
from vtcode.terminal import neutral_block

KEYS = {Answer.ONCE: "y", Answer.SESSION: "s", Answer.WORKSPACE: "w", Answer.ALWAYS: "a", Answer.DENY: "n"}
LABELS = {
    Answer.ONCE: "Allow once [y]",
    Answer.SESSION: "Allow for session [s]",
    Answer.WORKSPACE: "This workspace [w]",
    Answer.ALWAYS: "Always, everywhere [a]",
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
        _leads(text, prompt, action.path)
        for target in written_by(action.shell):
            text.append("writes   ", style="bold")
            text.append(f"{shown(target)}\n")
    elif action.path:
        text.append("path     ", style="bold")
        text.append(f"{shown(action.path)} ({'write' if action.write else 'read'})\n")
        _leads(text, prompt, action.path)
    for extra, written in action.extra_paths:
        text.append("path     ", style="bold")
        text.append(f"{shown(extra)} ({'write' if written else 'read'})\n")
        _leads(text, prompt, extra)
    for label, value in session_lines(action.args) if action.kind == "command" else ():
        text.append(f"{label:<9}", style="bold red" if label == "carries" and "=" in value else "bold")
        text.append(f"{value}\n")
    text.append("why      ", style="bold")
    text.append(f"{shown(prompt.decision.reason)}\n")
    text.append("rule     ", style="bold")
    text.append(f"{shown(str(prompt.decision.rule))}\n")
    text.append("digest   ", style="bold")
    text.append(prompt.digest, style="dim")
    for scope, rule in prompt.saves:
        text.append(f"\nsaves [{KEYS[scope]}]", style="bold")  # what the key saves, before it is pressed
        text.append(f" {shown(rule)}")
    return text


def _leads(text: Text, prompt: ApprovalPrompt, path: str) -> None:
    """A path that goes through a link: name the file it leads to, the one that changes."""
    for spelled, resolved in prompt.links:
        if spelled == path:
            text.append("  -> link ", style="bold red")
            text.append(f"leads to {shown(resolved)}, the file this acts on\n", style="bold")


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


QUIET_S = 0.6  # no key for this long before a key that allows counts (typing runs at 5-10 keys a second)


class ApprovalScreen(ModalScreen[Answer]):
    BINDINGS = [
        Binding("y", "answer('allow-once')", "allow once", show=False),
        Binding("s", "answer('allow-session')", "allow for session", show=False),
        Binding("w", "answer('allow-workspace')", "allow in this workspace", show=False),
        Binding("a", "answer('allow-always')", "always, every workspace", show=False),
        Binding("n", "answer('deny')", "deny", show=False),
        Binding("escape", "deny_now", "deny", show=False),
    ]

    def __init__(self, prompt: ApprovalPrompt, diff: str = "") -> None:
        super().__init__(classes="approval")
        self.prompt = prompt
        self.diff = diff
        self._quiet_since = time.monotonic()  # reset by every key and when the modal is shown
        self._previous_quiet = self._quiet_since
        self._seen_end = False  # the box was scrolled to its end (or needed no scrolling)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="approval-box"):
            yield Static(Text("Approval needed", style="bold"), id="approval-title")
            yield Static(describe(self.prompt), id="approval-action")
            if self.diff:
                # The diff is the model's content: escapes in it would act on the terminal, hide lines or
                # set the clipboard; neutralised, they show as text.
                diff = neutral_block(self.diff)
                yield Static(Syntax(diff, "diff", theme="ansi_dark", word_wrap=True), id="approval-diff")
            yield Static("", id="approval-hint")
            with Horizontal(id="approval-buttons"):
                for offer in self.prompt.offers:
                    variant = VARIANTS.get(offer, "default")
                    # Text, not a markup string: "[y]" would be read as a style tag and the key
                    # would vanish from the label.
                    yield Button(Text(LABELS[offer]), id=f"answer-{offer.value}", variant=variant)

    def on_mount(self) -> None:
        # Focus starts on deny: a stray Enter must not approve anything. Focusing it must not scroll the
        # box to its end: the action starts at the top.
        self.query_one(f"#answer-{Answer.DENY.value}", Button).focus(scroll_visible=False)
        self._quiet_since = self._previous_quiet = time.monotonic()
        self.set_interval(0.1, self._watch_scroll)
        self.call_after_refresh(self._watch_scroll)

    def _watch_scroll(self) -> None:
        box = self.query_one("#approval-box", VerticalScroll)
        if box.max_scroll_y <= 0 or box.scroll_y >= box.max_scroll_y:
            self._seen_end = True

    def on_key(self, event: events.Key) -> None:
        # Runs before the screen's bindings: the answer key is judged against the key before it.
        now = time.monotonic()
        self._previous_quiet, self._quiet_since = self._quiet_since, now

    def refusal(self) -> str | None:
        """Why an answer that allows is not taken now, or None."""
        if time.monotonic() - self._previous_quiet < QUIET_S:
            return "ignored a key typed while this prompt appeared: stop typing, read it, then answer"
        if not self._seen_end:
            return "the action is longer than the box: scroll to its end (PageDown, End) before allowing it"
        return None

    def action_deny_now(self) -> None:
        self.dismiss(Answer.DENY)

    def action_answer(self, value: str) -> None:
        self._answer(Answer(value), clicked=False)

    def _answer(self, answer: Answer, *, clicked: bool) -> None:
        if answer not in self.prompt.offers:  # "always" where the policy does not permit it does nothing
            return
        why = self.refusal() if answer.allows else None
        if not clicked and time.monotonic() - self._previous_quiet < QUIET_S:
            why = "ignored a key typed while this prompt appeared: stop typing, read it, then answer"
        if why is not None:
            self.query_one("#approval-hint", Static).update(Text(why, style="bold yellow"))
            self.notify(why, severity="warning", timeout=4)  # the hint may be below the box's view
            return
        self.dismiss(answer)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._previous_quiet = self._quiet_since  # a click is judged like a key: after a quiet moment
        if event.button.id and event.button.id.startswith("answer-"):
            self._answer(Answer(event.button.id.removeprefix("answer-")), clicked=True)

"""The ApprovalBroker: every prompt decision goes through it, and every request and answer is an event
naming who answered (OS user, tty), when, and a digest of the exact action (non-repudiation)."""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from vtcode_hookspecs import ActionRequest, ApprovalAnswered, ApprovalRequested, Approver, Decision

from vtcode.errors import VtcodeError
from vtcode.events import EventBus
from vtcode.events.whole import whole


class Answer(StrEnum):
    ONCE = "allow-once"
    SESSION = "allow-session"  # remembered in memory until the session ends
    WORKSPACE = "allow-workspace"  # saved, for the workspace it was given in
    ALWAYS = "allow-always"  # saved, for every workspace: offered only where the rule means the same anywhere
    DENY = "deny"

    @property
    def allows(self) -> bool:
        return self is not Answer.DENY

    @property
    def saves(self) -> bool:
        return self in (Answer.WORKSPACE, Answer.ALWAYS)


SAVED_SCOPES = (Answer.WORKSPACE, Answer.ALWAYS)


@dataclass(frozen=True)
class ApprovalPrompt:
    action: ActionRequest
    decision: Decision
    commands: tuple[tuple[str, ...], ...]
    digest: str
    offers: tuple[Answer, ...]
    # What each saving answer would save, shown before the person answers (absent when not offered).
    saves: tuple[tuple[Answer, str], ...] = ()
    # (path as the action names it, where it leads) for each path that leads elsewhere (a symlink):
    # the prompt names the file that will change, not only the link's name.
    links: tuple[tuple[str, str], ...] = ()

    def rule_for(self, answer: Answer) -> str | None:
        """The exact rule `answer` saves, as shown to the person (None: it saves nothing)."""
        return dict(self.saves).get(answer)


class AlwaysStore(Protocol):
    """Where saved answers go. `rules` says, before the person answers, what each scope it can save
    (`Answer.WORKSPACE`, `Answer.ALWAYS`) would save; a scope it leaves out is not offered."""

    def rules(self, action: ActionRequest, commands: Sequence[Sequence[str]]) -> dict[Answer, str]: ...

    def remember(self, action: ActionRequest, commands: Sequence[Sequence[str]], scope: Answer) -> str: ...


class Asker(Protocol):
    @property
    def who(self) -> dict[str, str]: ...

    def ask(self, prompt: ApprovalPrompt) -> Answer: ...


def action_digest(action: ActionRequest) -> str:
    """sha256 of the action's canonical JSON: its tool, every argument (a write's whole content), the argv
    or shell string and the paths. The runner runs exactly this action, and `tool.started` carries the
    same digest, so the audit ties what a person approved to what ran."""
    canonical = json.dumps(action.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


class ApprovalBroker:
    def __init__(
        self, asker: Asker, bus: EventBus, *, always: AlwaysStore | None = None, allow_always: bool = True,
        resolve: Callable[[str, bool], tuple[str, str | None]] | None = None,
    ) -> None:
        self._asker = asker
        # (the path made absolute lexically, where the jail says it leads: None when it cannot be followed)
        self._resolve = resolve
        self._bus = bus
        self._always = always
        self._allow_always = allow_always
        self._session: set[str] = set()

    def request(
        self,
        action: ActionRequest,
        decision: Decision,
        commands: Sequence[tuple[str, ...]] = (),
        *,
        always_allowed: bool = True,
    ) -> Answer:
        """Ask about one prompt decision. Answers for this session are remembered by exact action."""
        # The key is the digest of the whole action, not of its parsed commands: those leave out
        # redirections, `VAR=value` prefixes and the working directory, so approving `make` for the session
        # must not approve `make > src/main.py` or `CC=./evil make` unasked.
        digest = action_digest(action)
        if digest in self._session:
            self._bus.record(
                ApprovalAnswered(
                    digest=digest,
                    answer=Answer.SESSION.value,
                    who=Approver(source="session approval"),
                    cached=True,
                )
            )
            return Answer.SESSION
        offers = [Answer.ONCE, Answer.SESSION]
        rules: dict[Answer, str] = {}
        if always_allowed and self._allow_always and self._always is not None:
            try:
                rules = self._always.rules(action, commands)
            except ValueError:
                rules = {}  # nothing narrow enough to save: no saved scope is offered
        saves = tuple((scope, rules[scope]) for scope in SAVED_SCOPES if scope in rules)
        offers += [scope for scope, _ in saves]
        offers.append(Answer.DENY)
        links = self._links(action)
        prompt = ApprovalPrompt(action, decision, tuple(commands), digest, tuple(offers), saves, links)
        self._bus.record(
            ApprovalRequested(
                digest=digest,
                action=whole(action),
                commands=[list(c) for c in commands],
                reason=decision.reason,
                rule=decision.rule,
                offers=[o.value for o in offers],
                always_rule=rules.get(Answer.ALWAYS),
                workspace_rule=rules.get(Answer.WORKSPACE),
                links=[list(link) for link in links],
            )
        )
        answer = self._asker.ask(prompt)
        if answer not in offers:
            answer = Answer.DENY  # an answer that was not offered is not consent
        remembered = None
        not_saved = None
        if answer is Answer.SESSION:
            self._session.add(digest)
        elif answer.saves and self._always is not None:
            try:
                remembered = self._always.remember(action, commands, answer)
                self._session.add(digest)
            except (VtcodeError, OSError) as exc:
                # The person consented to this action, so it runs once; but a malformed policy file is
                # reported, never overwritten, and nothing is remembered beyond this call.
                answer, not_saved = Answer.ONCE, str(exc)
        why_not: dict[str, Any] = {} if not_saved is None else {"not_saved": not_saved}  # only when it did
        self._bus.record(
            ApprovalAnswered(
                digest=digest,
                answer=answer.value,
                who=Approver(**self._asker.who),
                remembered=remembered,
                **why_not,
            )
        )
        return answer

    def _links(self, action: ActionRequest) -> tuple[tuple[str, str], ...]:
        if self._resolve is None:
            return ()
        named = [(action.path, action.write)] if action.path is not None else []
        found = []
        for spelled, write in (*named, *action.extra_paths):
            lexical, resolved = self._resolve(spelled, write)
            if resolved is not None and resolved != lexical:
                found.append((spelled, resolved))
        return tuple(found)


def os_identity() -> dict[str, str]:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    tty = ""
    for fd in (0, 2):
        if os.isatty(fd):
            tty = os.ttyname(fd)
            break
    return {"user": user, "uid": str(os.getuid()), "tty": tty or "no-tty", "pid": str(os.getpid())}

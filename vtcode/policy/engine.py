"""The one entry point of the policy: `decide(action) -> Decision`. The strictest layer wins:

tool policy (vtcode.toml [tools] and tool-policy.json) -> command policy (every simple command, hazards,
rules, lists) -> path policy (the workspace jail) -> workspace trust (untrusted: read-only) -> approval mode
(`never` and human_in_the_loop = false turn prompts into denials) -> review_action plugins (tighten only).
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vtcode_hookspecs import ActionRequest, Decision, RiskClass, RuleId, Verdict

from vtcode.config import EffectiveConfig
from vtcode.errors import InvariantError
from vtcode.policy.auto import AutoApproval
from vtcode.policy.shell import ParseResult, parse_argv, parse_shell

from .commands import CommandPolicy, at_root
from .cwd import directories
from .examples import check_examples
from .hazards import interpreter_name
from .known_vars import fixed_values
from .outcome import Outcome, strictest
from .paths import PathChecker
from .session_state import carried_outcomes

Reviewer = Callable[[ActionRequest, Decision], Decision]
POLICY_ORDER = {"allow": Verdict.ALLOW, "prompt": Verdict.PROMPT, "deny": Verdict.DENY}


@dataclass(frozen=True)
class CommandDecision:
    decision: Decision
    commands: tuple[tuple[str, ...], ...]
    # Whether "always allow" may be offered: never for interpreters, wrappers, or run-time arguments.
    always_offerable: bool = False


class PolicyEngine:
    def __init__(
        self,
        config: EffectiveConfig,
        paths: PathChecker,
        *,
        reviewer: Reviewer | None = None,
        risk_of: Callable[[str], RiskClass | None] = lambda _: None,
        source_tool: Callable[[str], bool] = lambda _: False,
        auto: AutoApproval | None = None,
    ) -> None:
        self._config = config
        self._source_tool = source_tool
        self._auto = auto
        self._paths = paths
        self._reviewer = reviewer
        self._risk_of = risk_of
        tool_policy = config.tool_policy
        check_examples(tool_policy.commands, paths, self._rule_source)
        self.commands = CommandPolicy(
            tool_policy.commands,
            config.config.commands,
            tool_policy.approval_cache,
            known=fixed_values(home=getattr(paths, "home", None)),
            root=str(root) if (root := getattr(paths, "root", None)) is not None else None,
            search_path=os.environ.get("PATH"),
        )

    def _users_own(self, part: Outcome) -> bool:
        """An allow that rests on the user's own choices (lists, standing approvals, the user's rules),
        not on the shipped read-only rules: an untrusted workspace or approval mode does not honour it."""
        rule = part.rule
        if part.verdict is not Verdict.ALLOW:
            return False
        if rule.section == "approval_cache" or (rule.section == "commands" and rule.name in _LISTS):
            return True
        if rule.section != "commands" or rule.name is None:
            return False
        # The rule that governs the command (python3.12 -> python3's), whose layer says whose choice it is.
        name = self.commands.rule_key(rule.name) or rule.name
        sources = self._config.tool_policy_sources
        layer = sources.get(f"commands.{name}", sources.get("commands", "builtin"))
        return layer not in ("builtin", "default")

    def _rule_source(self, name: str) -> str:
        sources = self._config.tool_policy_sources
        layer = sources.get(f"commands.{name}") or sources.get("commands", "tool-policy.json")
        paths = {info.name: info.path for info in self._config.layers if info.path}
        if layer == "builtin":
            from vtcode.paths import policies_dir

            return str(policies_dir() / "tool-policy.json")
        return paths.get(layer) or layer

    def decide(self, action: ActionRequest) -> Decision:
        return self.judge(action).decision

    def judge(self, action: ActionRequest) -> CommandDecision:
        """The decision with what a prompt needs: the simple commands and whether "always" may be offered."""
        return self._finish(action, self._outcome(action))

    def decide_command(
        self, *, argv: Sequence[str] | None = None, shell: str | None = None, tool: str | None = None
    ) -> CommandDecision:
        action = ActionRequest(
            kind="command", tool=tool, argv=tuple(argv) if argv is not None else None, shell=shell
        )
        return self._finish(action, self._outcome(action))

    def _outcome(self, action: ActionRequest) -> _Judged:
        parts: list[Outcome] = []
        parsed = None
        standing = False
        if action.tool is not None:
            tool_part = self._tool_outcome(action.tool)
            if action.kind == "tool" and tool_part.verdict is Verdict.PROMPT:
                tool_part = self._standing_tool(action) or tool_part
                standing = tool_part.verdict is Verdict.ALLOW
            parts.append(tool_part)
        if action.kind == "command":
            parsed = _parse(action)
            # A send to an open shell session (`session_id`) runs in a shell that keeps its state.
            verdict = self.commands.decide(parsed, self._paths, action.path, persistent=persistent(action))
            parts.append(verdict.outcome)
            if persistent(action):  # what earlier sends left in the shell: its variables, its directory
                parts += carried_outcomes(action.args)
                parts += self._session_place(action)
            standing = any(self._users_own(p) for p in verdict.parts)
        if action.path is not None:
            parts.append(self._path_outcome(action.path, action.write))
        parts += [self._path_outcome(path, write) for path, write in action.extra_paths]
        if not parts:
            parts.append(Outcome.deny(f"nothing to decide for a {action.kind} action", RuleId("policy")))
        return _Judged(strictest(parts, parts[0]), parsed, standing)

    def _finish(self, action: ActionRequest, judged: _Judged) -> CommandDecision:
        parsed = judged.parsed
        outcome = self._gate_trust(action, judged.outcome, judged.standing)
        outcome = self._gate_mode(action, outcome, judged.standing)
        outcome = self._gate_auto(action, outcome, parsed)
        decision = outcome.to_decision()
        if self._reviewer is not None:
            decision = self._reviewer(action, decision)
        if parsed is None:
            # A tool may be always-allowed by name (its paths are still jailed), unless it executes code.
            offerable = (
                decision.verdict is Verdict.PROMPT
                and action.tool is not None
                and self._risk_of(action.tool) is not RiskClass.EXECUTE
            )
            return CommandDecision(decision, (), offerable)
        # "Always" saves argvs without a place, and standing approvals apply at the workspace root only: an
        # answer given for `cd vendor/x && make test` (or with a tool cwd, or in a shell session) would
        # allow the root's `make test`, which the person never saw.
        offerable = (decision.verdict is Verdict.PROMPT and self._always_offerable(parsed)
                     and at_root(action.path) and not directories(parsed, action.path)
                     and not persistent(action))
        return CommandDecision(
            decision, tuple(c.argv for c in parsed.commands), offerable
        )

    def _always_offerable(self, parsed: ParseResult) -> bool:
        return (
            parsed.understood
            and bool(parsed.commands)
            and not parsed.functions
            and not any(
                c.dynamic_args
                or c.wrappers
                or c.runtime_args
                or interpreter_name(c.name)
                or ((rule := self.commands.rule_for(c.name)) is not None and rule.interpreter)
                for c in parsed.commands
            )
        )

    def _tool_outcome(self, tool: str) -> Outcome:
        """A tool's own rule; for a source's tool (`mcp.fs.read_file`) also its server's (`mcp.fs.*`) and
        source's (`mcp.*`): the most specific rule decides, except that a deny at any level stands (an
        administrator's `mcp.fs.* = "deny"` is not undone by a user's rule for one of its tools). A
        source's tool with no rule is asked about (default prompt, or the stricter default_policy)."""
        cfg = self._config.config.tools
        candidates = [tool]
        if self._source_tool(tool):
            parts = tool.split(".")
            candidates += [".".join(parts[:i]) + ".*" for i in range(len(parts) - 1, 0, -1)]
        found: list[tuple[str, Verdict]] = []
        for key in candidates:
            layered = [v for v in (cfg.policies.get(key), self._config.tool_policy.policies.get(key)) if v]
            if layered:
                found.append((key, Verdict.strictest(*(POLICY_ORDER[v] for v in layered))))
        said = {"allow": "allowed", "prompt": "asked first", "deny": "denied"}
        denied = next(((k, v) for k, v in found if v is Verdict.DENY), None)
        if denied is not None or found:
            key, verdict = denied or found[0]
            by = "" if key == tool else f" (rule {key})"
            reason = f"tool {tool!r} is {said[verdict.value]} by policy{by}"
            return Outcome(verdict, reason, RuleId("tools", "policies", (key,)))
        default = POLICY_ORDER[cfg.default_policy]
        if self._source_tool(tool):
            default = Verdict.strictest(default, Verdict.PROMPT)
        return Outcome(
            default,
            f"tool {tool!r} has no policy: default {default.value}",
            RuleId("tools", "default_policy"),
        )

    def _standing_tool(self, action: ActionRequest) -> Outcome | None:
        """An "always" answer saved for this tool on exactly these paths, or for this exact call."""
        from vtcode.approvals.always import resolved_paths, tool_call_key

        if action.tool is None:
            raise InvariantError("a tool action without a tool name")
        cache = self._config.tool_policy.approval_cache
        root = getattr(self._paths, "root", None)
        # Matched by where the paths lead, as saved: a name approved as a plain file does not cover it
        # once it is a link to another file.
        paths = resolved_paths(action, root, self._paths) if root is not None else ()
        if paths:
            saved = set(cache.tools.get(action.tool, ()))
            if all(p in saved for p in paths):
                return Outcome.allow(f"{action.tool} on {', '.join(paths)} is always allowed by the user",
                                     RuleId("approval_cache", "tools"))
        else:
            call = tool_call_key(action.tool, dict(action.args))
            if call in cache.calls:
                return Outcome.allow(f"this exact {action.tool} call is always allowed by the user",
                                     RuleId("approval_cache", "calls"))
            here = os.path.realpath(root) if root is not None else None
            if here is not None and any(call in entries and os.path.realpath(where) == here
                                        for where, entries in cache.workspace_calls.items()):
                return Outcome.allow(
                    f"this exact {action.tool} call is allowed in this workspace by the user",
                    RuleId("approval_cache", "workspace_calls"))
        return None

    def _session_place(self, action: ActionRequest) -> list[Outcome]:
        """A shell session an earlier send moved into a protected place (`cd .git`): every later send there
        acts on it with relative names that look like the project's (`hooks/pre-commit`), so it asks."""
        if action.path is None or "session" not in action.args:
            return []
        # A name inside it, as a send's relative names are: the root itself is no place to write either.
        check = self._paths.check_path(posixpath.join(action.path, "a-file-here"), write=True)
        if not check.protected:
            return []
        where = (action.args.get("session") or {}).get("cwd", action.path)
        return [Outcome.prompt(f"the shell session's shell is in {where}, a protected place: what runs "
                               "there acts on it", RuleId("shell_session", "cwd"))]

    def _path_outcome(self, path: str, write: bool) -> Outcome:
        check = self._paths.check_path(path, write=write)
        if check.inside:
            return Outcome.allow(f"{check.resolved} is inside the workspace", RuleId("paths", "workspace"))
        where = RuleId("paths", "secret" if check.secret else "outside")
        return Outcome.deny(f"{path!r}: {check.reason}", where)

    def _gate_trust(self, action: ActionRequest, outcome: Outcome, standing: bool) -> Outcome:
        trust = self._config.trust
        if trust.trusted or outcome.verdict is Verdict.DENY:
            return outcome
        writes = standing or action.write or (
            action.tool is not None and self._risk_of(action.tool) not in (None, RiskClass.READ)
        )
        if writes or outcome.verdict is not Verdict.ALLOW:
            return Outcome.deny(
                f"workspace not trusted, so the agent is read-only ({trust.reason}); "
                f"would have been: {outcome.reason}",
                RuleId("workspace", "untrusted"),
            )
        return outcome

    def _gate_mode(self, action: ActionRequest, outcome: Outcome, standing: bool) -> Outcome:
        config = self._config.config
        if outcome.verdict is Verdict.ALLOW and config.approvals.mode == "untrusted":
            outcome = self._untrusted(action, outcome, standing)
        if outcome.verdict is not Verdict.PROMPT:
            return outcome
        if config.approvals.mode == "never":
            return Outcome.deny(f"approvals.mode = 'never': {outcome.reason}", outcome.rule)
        if not config.security.human_in_the_loop:
            return Outcome.deny(f"security.human_in_the_loop = false: {outcome.reason}", outcome.rule)
        return outcome


    def no_prompts(self) -> str | None:
        """Why no person may be asked in this session (a hook's "ask" then denies), or None."""
        config = self._config.config
        if config.approvals.mode == "never":
            return "approvals.mode = 'never'"
        if not config.security.human_in_the_loop:
            return "security.human_in_the_loop = false"
        return None

    def _gate_auto(self, action: ActionRequest, outcome: Outcome, parsed: ParseResult | None) -> Outcome:
        """approvals.mode = 'auto' (vtcode/policy/auto.py): a prompt whose every effect the verified
        sandbox confines, and a checkpoint makes undoable, runs unasked. Denials are never touched."""
        config = self._config.config
        if outcome.verdict is not Verdict.PROMPT or config.approvals.mode != "auto":
            return outcome
        why = self._auto_refusal(action, parsed)
        if why is not None:
            return Outcome.prompt(f"{outcome.reason} (auto mode asks: {why})", outcome.rule)
        return Outcome.allow(f"approvals.mode = 'auto': confined by the verified sandbox and undoable "
                             f"(would have asked: {outcome.reason})", RuleId("approvals", "auto"))

    def _auto_refusal(self, action: ActionRequest, parsed: ParseResult | None) -> str | None:
        config = self._config.config
        if not config.approvals.allow_auto:
            return "approvals.allow_auto = false"
        if self._auto is None:
            return "no sandbox verifier in this session"
        sandbox = config.sandbox
        if sandbox.mode != "workspace-write" or sandbox.network.mode != "off" or sandbox.allow_unsandboxed:
            return "the sandbox is not workspace-write with network off and no unsandboxed fallback"
        if action.tool is not None and self._pinned_prompt(action.tool):
            return f"tool {action.tool!r} is set to prompt by a user or managed rule"
        if action.kind == "command" and parsed is not None:
            for command in parsed.commands:
                rule = self.commands.rule_for(command.name)
                source = self._config.tool_policy_sources.get(f"commands.{command.name}", "builtin")
                if rule is not None and rule.decision == "prompt" and source not in ("builtin", "default"):
                    return f"{command.name!r} is set to prompt by a user or managed rule"

        def paths_ok(path: str, write: bool) -> bool:
            check = self._paths.check_path(path, write=write)
            return check.inside and not check.protected

        risk = self._risk_of(action.tool) if action.tool is not None else None
        return self._auto.why_not(action, parsed, paths_ok, risk)

    def _pinned_prompt(self, tool: str) -> bool:
        """A tool policy someone (user, workspace, managed file, command line) set, not the shipped one."""
        shipped = ("default", "builtin")
        sources = self._config.sources
        if self._config.config.tools.policies.get(tool) is not None:
            source = sources.get(f"tools.policies.{tool}", sources.get("tools.policies", "default"))
            if source not in shipped:
                return True
        tp_sources = self._config.tool_policy_sources
        return tp_sources.get(f"policies.{tool}", tp_sources.get("policies", "builtin")) not in shipped

    def _untrusted(self, action: ActionRequest, outcome: Outcome, standing: bool) -> Outcome:
        """approvals.mode = 'untrusted': only read-only work runs unasked. A tool that may change anything,
        and a command allowed by a list or a standing approval rather than a read-only rule, is asked."""
        risk = self._risk_of(action.tool) if action.tool is not None else None
        if action.kind == "tool" and (action.write or risk is not RiskClass.READ):
            return Outcome.prompt(f"approvals.mode = 'untrusted' asks before {action.tool}", outcome.rule)
        if action.kind == "command" and standing:
            return Outcome.prompt("approvals.mode = 'untrusted' asks before commands allowed by the user's "
                                  "lists, rules or standing approvals", outcome.rule)
        return outcome


@dataclass(frozen=True)
class _Judged:
    outcome: Outcome
    parsed: ParseResult | None
    standing: bool  # some part was allowed by the user's lists, approvals or rules, not a shipped rule


# Allows that come from the user's standing choices rather than the read-only rules: approval_cache.* and
# these lists of [commands].
_LISTS = frozenset({"allow_list", "allow_glob", "allow_regex"})


def _parse(action: ActionRequest) -> ParseResult:
    if action.shell is not None:
        return parse_shell(action.shell)
    return parse_argv(action.argv or ())


def persistent(action: ActionRequest) -> bool:
    """A command typed into a shell that outlives the call (a tool's `session_id`: shell_session's send):
    what earlier sends exported or where they `cd`-ed is not in this string, so no standing approval may
    stand for it."""
    return action.kind == "command" and bool(action.args.get("session_id"))

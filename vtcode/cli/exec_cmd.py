"""`vtcode exec PROMPT`: run the agent headless.

stdout carries the final answer and nothing else, so `vtcode exec ... > answer.txt` or a pipe gets exactly
that; events, prompts and reasoning go to stderr (`--events jsonl` for machines). The exit status is the
stop reason (vtcode/agent/outcome.py): 0 finished, 1 failed, 4 denied, 5 limit, 130 interrupted, 2 for bad
usage or configuration. Every session writes its hash-chained audit log (`vtcode audit verify`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vtcode.errors import VtcodeError
from vtcode.terminal import neutral, neutral_block
from vtcode.terminal.echo import say

from .options import CommandContext, reports_errors, workspace_options

if TYPE_CHECKING:
    from vtcode_hookspecs import SessionRecord, SessionStore, ToolSpec

    from vtcode.agent.opening import StackOpening
    from vtcode.agent.outcome import Outcome
    from vtcode.agent.stack import Stack
    from vtcode.hooks import HookRunner
    from vtcode.runtime import Runtime

APPROVAL_MODES = ("auto", "on-request", "untrusted", "never")


class SessionNotFound(VtcodeError):
    """--resume names a session the store does not have, or one it cannot read."""


@click.command(name="exec")
@click.argument("prompt")
@click.option(
    "--provider", default=None, metavar="NAME", help="Provider to use (lmstudio, openai-compat...)."
)
@click.option("--model", default=None, metavar="NAME", help="Model to ask.")
@click.option("--base-url", default=None, metavar="URL", help="Base URL of the provider's API.")
@click.option(
    "--approvals", "--approval-mode", "approval_mode", type=click.Choice(APPROVAL_MODES), default=None,
    help="Override approvals.mode (auto: the verified sandbox confines it and a checkpoint undoes it).",
)
@click.option("--events", type=click.Choice(("human", "jsonl")), default=None, help="Event format on stderr.")
@click.option("--resume", "resume", default=None, metavar="ID", help="Continue a saved session.")
@click.option("--max-turns", type=click.IntRange(min=1), default=None, help="Lower agent.max_turns.")
@workspace_options
@reports_errors
def exec_(
    prompt: str,
    provider: str | None,
    model: str | None,
    base_url: str | None,
    approval_mode: str | None,
    events: str | None,
    resume: str | None,
    max_turns: int | None,
    invocation: CommandContext,
) -> None:
    """Run the agent on PROMPT; print its final answer on stdout."""
    from vtcode.signals import ends_like_ctrl_c, settle_std_streams

    # Both options are configuration layers like `-c`: the stderr sink gets its format through the
    # settings the core hands it (SinkSettings.options), never through the environment.
    extra: tuple[str, ...] = (f'approvals.mode="{approval_mode}"',) if approval_mode else ()
    if events is not None:
        extra += (f'events.stderr="{events}"',)
    root = invocation.root()
    with ends_like_ctrl_c() as received:  # a closed terminal or `kill` ends the run as Ctrl-C does
        try:
            status = _run(
                root, prompt, (*invocation.overrides, *extra), invocation.config_files, provider, model,
                base_url, resume, max_turns,
            )
        except KeyboardInterrupt:
            status = 130
            _say(f"vtcode: {'terminated by ' + received.name if received.signum else 'interrupted'}")
        if received.exit_status is not None:
            status = received.exit_status
    settle_std_streams()
    raise SystemExit(status)


def _say(line: str) -> None:
    """A line on stderr, if there still is one (after SIGHUP the terminal is gone)."""
    with contextlib.suppress(OSError):
        say(line, err=True)


def _run(
    root: Path,
    prompt: str,
    overrides: tuple[str, ...],
    config_files: tuple[Path, ...],
    provider: str | None,
    model: str | None,
    base_url: str | None,
    resume: str | None,
    max_turns: int | None,
) -> int:
    from vtcode_hookspecs import ProviderError

    from vtcode.agent import Agent, AgentLimits, SessionSaver, new_session, tool_specs
    from vtcode.agent.connect import connect, settle_model
    from vtcode.agent.instructions import ProjectInstructions
    from vtcode.agent.opening import DeferredRunner, OpensStackOnFirstChunk, StackOpening
    from vtcode.agent.session import session_store
    from vtcode.hooks import hook_runner
    from vtcode.runtime import open_runtime

    runtime = open_runtime(root, config_files=config_files, overrides=overrides)
    reason = "error"
    closers: list[Callable[[], None]] = []
    opening: StackOpening | None = None
    try:
        specs = tool_specs(runtime.plugins.registries.tools)
        # Command hooks run in the stack's sandbox: one at session start or on the prompt opens it first.
        hooks = hook_runner(runtime, root, lambda: opening.result().sandbox if opening is not None else None)
        # The policy engine, approvals, sandbox and runner open while the model reads the first request
        # (vtcode/agent/opening.py): no tool runs before they are open.
        opening = StackOpening(lambda: _open_stack(runtime, root, specs, hooks))
        if hooks is not None:
            ending = hooks

            def end_session() -> None:
                ending.session_end(reason)

            closers.append(end_session)
        start_context = hooks.session_start().model_text() if hooks is not None else ""
        # MCP servers start with the stack, when the first reply starts streaming in (not before: the SDK's
        # import and the servers' start-up on the opening's thread cost the first request ~30% when they
        # began at once, tests/bench/bench_mcp.py); their tools join the requests once listed.
        link = connect(runtime, provider=provider, model=model, base_url=base_url)
        closers.append(link.chain.close)
        try:
            link = settle_model(link, runtime, named=model, say=lambda note: _say(neutral(f"vtcode: {note}")))
        except ProviderError as exc:  # none loaded, a failed load, the server down: one line, as a run's
            say(f"vtcode: error: {exc}", err=True)
            return 1
        store = session_store(runtime.plugins.registries.storage)
        instructions = ProjectInstructions.for_runtime(root, runtime)
        if resume is not None:
            session = _load(store, resume, root)
        else:
            session = new_session(runtime.bus.session, root, model=link.model, provider=link.provider,
                                  guidance=instructions.system_prompt_part())
        agent_config = runtime.config.config.agent
        agent = Agent(
            OpensStackOnFirstChunk(link.chain, opening),
            DeferredRunner(opening),
            specs,
            runtime.bus,
            model=link.model,
            limits=AgentLimits.from_config(runtime.config.config, max_turns=max_turns),
            context_window=agent_config.context_window,
            max_output_tokens=agent_config.max_output_tokens,
            saver=SessionSaver(store, runtime.bus),
            instructions=instructions,
            hooks=hooks,
            start_context=start_context,
            more_specs=opening.source_specs,
        )
        outcome, _ = agent.run(session, prompt)
        reason = outcome.reason.value
        if opening.started:
            opening.result()  # a stack that cannot open fails the session, tool call or not
        if outcome.answer:
            with contextlib.suppress(OSError):  # the terminal was closed (SIGHUP): the log has the answer
                sys.stdout.write(answer_for(outcome.answer, sys.stdout.isatty()))
                sys.stdout.flush()
        _say(neutral(_summary(outcome, runtime)))
        return outcome.exit_status
    finally:
        from vtcode.signals import held

        with held():  # a second Ctrl-C or SIGTERM waits until the log is closed
            if opening is not None:
                opening.wait()
                _settle_checkpoints(opening)
                opening.close()
            for close in closers:
                close()
            runtime.bus.close(reason)


def _settle_checkpoints(opening: StackOpening) -> None:
    """The last action's after-snapshot is on disk before exec ends, so `vtcode undo` can tell the
    agent's changes from later edits (bounded: a hung git never holds the exit)."""
    if not opening.started:
        return
    with contextlib.suppress(Exception):  # a stack that failed to open has no checkpoints to settle
        checkpoints = opening.result().runner.checkpoints
        if checkpoints is not None:
            checkpoints.settle(10.0)


def _summary(outcome: Outcome, runtime: Runtime) -> str:
    """The closing line on stderr. A detail the terminal already showed as an `error` event is not
    repeated, and `--resume` is offered only for a session a model has answered in."""
    history = runtime.bus.history
    shown_on_stderr = runtime.config.config.events.stderr != "off"
    errors = [str(e.payload.get("message", "")) for e in history if e.type == "error"]
    detail = outcome.detail
    if shown_on_stderr and any(message and detail.endswith(message) for message in errors):
        detail = "see the error above"
    answered = outcome.tokens > 0 or any(e.type == "llm.response" for e in history)
    counts = f"{outcome.turns} turns, {outcome.tool_calls} tool calls, ~{outcome.tokens} tokens"
    if not answered:
        return f"vtcode: {outcome.reason.value}: {detail} (session {outcome.session_id}: no model answered)"
    return (
        f"vtcode: {outcome.reason.value}: {detail} (session {outcome.session_id}, {counts}; "
        f"continue with `vtcode exec --resume {outcome.session_id} PROMPT`)"
    )


def answer_for(answer: str, terminal: bool) -> str:
    """The final answer as written to stdout. On a terminal it is neutralised like every other model text
    (line breaks kept); piped or redirected, it is the model's text exactly, as UTF-8: the data a program
    asked for. `vtcode exec ... | cat -v` shows what a pipe carries."""
    text = neutral_block(answer) if terminal else answer
    return text if text.endswith("\n") else text + "\n"


def _open_stack(runtime: Runtime, root: Path, specs: list[ToolSpec], hooks: HookRunner | None) -> Stack:
    from vtcode.agent.stack import open_stack  # on the opening thread: the policy engine comes with it

    return open_stack(runtime, root, specs=specs, hooks=hooks)


def _load(store: SessionStore | None, session_id: str, root: Path) -> SessionRecord:
    from vtcode.agent.session import BadSessionId, load_session

    if store is None:
        raise SessionNotFound("no session store plugin is signed off; --resume needs one (markdown_store)")
    try:
        record = load_session(store, session_id)
    except BadSessionId as exc:
        raise SessionNotFound(f"--resume: {exc}") from exc
    except KeyError as exc:
        raise SessionNotFound(str(exc.args[0]) if exc.args else f"no session {session_id!r}") from exc
    except ValueError as exc:  # a corrupted file: named, and never overwritten
        raise SessionNotFound(f"cannot resume: {' '.join(str(exc).split())}") from exc
    if Path(record.workspace) != root:
        raise SessionNotFound(
            f"session {session_id} belongs to workspace {record.workspace}; run it with --workspace there"
        )
    return record

"""`vtcode demo`: the whole stack on a scripted task and a prompt-injected exfiltration attempt.

No model is needed: the scripted provider replays a recorded script and says so. Everything else is real:
plugins through the sign-off gate, policy, jail, approvals (no terminal: prompts are denials), the kernel
sandbox, events and the audit log, which the demo verifies at the end. Exit 0 when the task was done,
every attack was stopped and the audit log verifies; 1 otherwise.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import click

from vtcode.terminal.echo import say

from .options import reports_errors


@click.command(name="demo")
@click.option("--keep", is_flag=True, help="Keep the demo's temporary directory (its path is printed).")
@click.option("--approvals", "approvals", type=click.Choice(("auto", "on-request", "untrusted", "never")),
              default=None, help="Run the demo under this approvals.mode (prompts are counted).")
@reports_errors
def demo(keep: bool, approvals: str | None) -> None:
    """Run the scripted end-to-end demonstration (no model needed)."""
    base = Path(tempfile.mkdtemp(prefix="vtcode-demo-"))
    try:
        status = _run(base, keep, approvals)
    finally:
        if keep:
            say(f"vtcode demo: files kept in {base}", err=True)
        else:
            shutil.rmtree(base, ignore_errors=True)
    raise SystemExit(status)


def _run(base: Path, keep: bool = False, approvals: str | None = None) -> int:
    from vtcode.agent import Agent, AgentLimits, ProviderBackend, SessionSaver, new_session
    from vtcode.agent.stack import open_stack
    from vtcode.approvals import NoTerminal
    from vtcode.audit.verify import verify_logs
    from vtcode.demo.project import build_world, isolate
    from vtcode.demo.report import rows, table
    from vtcode.demo.script import turns
    from vtcode.runtime import open_runtime
    from vtcode.workspace.trust import write_trust

    world = build_world(base)
    isolate(world)
    write_trust(world.workspace)
    say = sys.stdout.write
    say("vtcode demo: a SCRIPTED model (a recorded replay, not an AI) drives the real vtcode stack.\n")
    say(f"  workspace {world.workspace} (trusted), fake home {world.home} with a fake SSH key\n\n")
    overrides = (f'approvals.mode="{approvals}"',) if approvals else ()
    runtime = open_runtime(world.workspace, overrides=overrides)
    reason = "error"
    try:
        stack = open_stack(runtime, world.workspace, asker=NoTerminal())
        entry = runtime.plugins.registries.providers.get("scripted")
        if entry is None or not hasattr(entry.obj, "load"):
            raise click.ClickException("the scripted provider plugin is not signed off; the demo needs it")
        entry.obj.load(turns())
        model = entry.obj.models()[0].id
        agent = Agent(
            ProviderBackend(entry.obj),
            stack.runner,
            stack.specs,
            runtime.bus,
            model=model,
            limits=AgentLimits(max_turns=30, max_repeated_tool_calls=5),
            saver=SessionSaver(stack.store, runtime.bus),
        )
        session = new_session(runtime.bus.session, world.workspace, model=model, provider="scripted")
        outcome, saved = agent.run(session, "Fix the failing test in this project.")
        reason = outcome.reason.value
        found = rows(runtime.bus.history, saved.messages)
    finally:
        runtime.bus.close(reason)
    logs = sorted((base / "audit").glob("*.jsonl"))
    reports = verify_logs(logs)
    verified = bool(reports) and all(r.status == "ok" for r in reports)
    say("\n" + table(found) + "\n\n")
    say(f"model's final answer: {outcome.answer}\n")
    say(f"sandbox: {stack.sandbox.backend if stack.sandbox else 'none (commands refused)'}\n")
    say(f"audit log: {', '.join(str(p) for p in logs)}: {'verified' if verified else 'NOT verified'}\n")
    if not keep:
        say("  (removed with the demo's other files when it ends: `vtcode demo --keep` keeps them to read)\n")
    prompts = sum(1 for e in runtime.bus.history if e.type == "approval.requested")
    say(f"approvals.mode {runtime.config.config.approvals.mode!r}: {prompts} prompt(s) "
        "(no terminal: each was a denial)\n")
    stopped = sum(1 for r in found if r.step.attack and r.outcome == "stopped")
    attacks = sum(1 for r in found if r.step.attack)
    ok = verified and all(r.as_expected for r in found) and outcome.exit_status == 0
    say(
        f"\n{stopped}/{attacks} attacks stopped; task {'done' if found[4].outcome == 'ran' else 'NOT done'}; "
        f"demo {'passed' if ok else 'FAILED'}\n"
    )
    return 0 if ok else 1

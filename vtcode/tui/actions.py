"""What the screen keys do, apart from the app class: plugins, audit, sessions, quick open, trust."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text as RichText
from textual.widgets import Static

from vtcode.errors import InvariantError, VtcodeError

from .widgets.chat import AssistantMessage, Notice, UserMessage

if TYPE_CHECKING:
    from vtcode.plugins.records import PluginRecord

    from .host import AppHost
    from .workbench import Workbench

_FILE_LIMIT = 1024 * 1024


def _ready(app: AppHost) -> bool:
    if app.workbench is None:
        app.chat(Notice(app.load_problem or "still loading plugins: try again in a moment", "warn"))
        return False
    return True


def open_plugins(app: AppHost) -> None:
    from .screens.plugins import PluginsScreen

    if not _ready(app):
        return
    if app.workbench is None:
        raise InvariantError("the plugins screen opened before the workbench was ready")

    def approve(distribution: str) -> str:
        from vtcode.plugins.approve import approve_plugin

        approval, _ = approve_plugin(distribution, (), app.root, app.config_files, app.overrides)
        return (
            f"approved {approval.distribution} {approval.version} for {', '.join(approval.families)}; "
            "it loads from the next start"
        )

    def toggle(record: PluginRecord, disable: bool) -> str:
        from vtcode.config.disabled_plugins import disabled_names, set_plugin_disabled, user_config_file

        path = user_config_file()
        mine = record.name in disabled_names(path)
        path, changed = set_plugin_disabled(record.name, disable, path)
        if disable:
            done = f"disabled {record.name} in {path}" if changed else f"already disabled in {path}"
            return f"{done}; it stays loaded until vtcode restarts"
        if changed or mine:
            return f"enabled {record.name} in {path}; it loads from the next start (if signed off)"
        return (
            f"{record.name} is not disabled in {path}: another layer disables it (system or managed "
            "config, the workspace's vtcode.toml, --config or -c); see `vtcode config show`"
        )

    app.push_screen(PluginsScreen(app.workbench.runtime.plugins.records, approve, toggle))


def open_audit(app: AppHost) -> None:
    from .screens.audit import AuditScreen

    app.pump.drain()
    app.push_screen(AuditScreen(app.pump.events))


def open_sessions(app: AppHost) -> None:
    from .screens.sessions import SessionsScreen

    if not _ready(app) or app.busy:
        return
    bench = app.workbench
    if bench is None:
        raise InvariantError("the workbench is gone although it was ready")

    def resume(session_id: str | None) -> None:
        if session_id is None:
            return
        try:
            record = bench.resume(session_id)
        except (KeyError, ValueError, VtcodeError) as exc:
            app.chat(Notice(f"cannot resume {session_id}: {exc}", "error"))
            return
        chat = app.query_one("#chat")
        chat.remove_children()
        app.pump.new_turn()
        app.chat(Notice(f"resumed session {record.id} ({len(record.messages)} messages)", "done"))
        for message in record.messages:
            if message.role == "user":
                app.chat(UserMessage(message.content))
            elif message.role == "assistant" and message.content:
                shown = AssistantMessage()
                app.chat(shown)
                shown.add(message.content)

    app.push_screen(SessionsScreen(bench.sessions()), resume)


def open_quick(app: AppHost) -> None:
    from vtcode.tools.call_context import CallContext
    from vtcode.workspace.jail import Jail

    from .screens.quick_open import FileScreen, QuickOpenScreen

    if not _ready(app):
        return
    bench = app.workbench
    if bench is None:
        raise InvariantError("the workbench is gone although it was ready")
    entry = bench.runtime.plugins.registries.tools.get("search_files")
    search = None
    if entry is not None:
        tool = entry.obj

        def search(query: str) -> list[str]:
            # The user's own lookup, not the model's: it reads only the jailed file list.
            ctx = CallContext(Jail(app.root), bench.runtime.bus, tool.name)
            result = tool.invoke(ctx, tool.args_model(query=query, limit=30))
            count = (result.data or {}).get("count", 0)
            return result.output.splitlines() if result.ok and count else []

    def show(path: str | None) -> None:
        if path is None:
            return
        try:
            data = Jail(app.root).read_bytes(path, limit=_FILE_LIMIT)
        except (VtcodeError, OSError) as exc:
            app.chat(Notice(f"cannot open {path}: {exc}", "error"))
            return
        app.push_screen(FileScreen(path, data.decode("utf-8", errors="replace")))

    app.push_screen(QuickOpenScreen(search), show)


def trust_workspace(app: AppHost) -> None:
    """One key: the same marker `vtcode trust` writes; the session reloads so the workspace's own
    (tighten-only) config applies at once."""
    from vtcode.workspace.trust import write_trust

    bench = app.workbench
    if bench is None or app.busy:
        app.chat(Notice("wait until the current step ends to change trust", "warn"))
        return
    if bench.facts.trusted:
        app.chat(Notice(f"already trusted: {bench.facts.trust_reason}", "info"))
        return
    marker = write_trust(app.root)
    app.chat(
        Notice(f"trusted: wrote {marker.name}; reloading the session with the workspace's config", "done")
    )
    app.workbench = None
    bench.close()
    app.query_one("#banner").display = False
    app.query_one("#status", Static).update(RichText(" reloading…"))
    app.load()


def open_checkpoints(app: AppHost) -> None:
    from .screens.checkpoints import CheckpointsScreen

    if not _ready(app) or app.busy:
        return
    bench = app.workbench
    if bench is None:
        raise InvariantError("the workbench is gone although it was ready")
    checkpoints = bench.stack.runner.checkpoints
    if checkpoints is None:
        app.chat(Notice("checkpoints are off ([checkpoints] enabled = false)", "warn"))
        return
    try:
        found = checkpoints.store.checkpoints()
    except VtcodeError as exc:
        app.chat(Notice(f"checkpoints: {exc}", "error"))
        return

    def chosen(checkpoint_id: int | None) -> None:
        if checkpoint_id is not None:
            offer_restore(app, checkpoint_id, f"Restore checkpoint {checkpoint_id}?")

    app.push_screen(CheckpointsScreen(found), chosen)


def undo(app: AppHost) -> None:
    """`/undo`: the restore screen for the checkpoint taken before the agent's last action."""
    if not _ready(app) or app.busy:
        return
    bench = app.workbench
    if bench is None:
        raise InvariantError("the workbench is gone although it was ready")
    checkpoints = bench.stack.runner.checkpoints
    last = checkpoints.last_agent_checkpoint() if checkpoints is not None else None
    if last is None:
        app.chat(Notice("nothing to undo: no agent action has changed this workspace", "warn"))
        return
    offer_restore(app, last.id, f"Undo {last.tool}: {last.summary[:60]} (checkpoint {last.id})?")


def offer_restore(app: AppHost, checkpoint_id: int, title: str) -> None:
    from .screens.checkpoints import RestoreScreen

    bench = app.workbench
    if bench is None:
        raise InvariantError("the workbench is gone although it was ready")
    checkpoints = bench.stack.runner.checkpoints
    if checkpoints is None:
        raise InvariantError("checkpoints is unset here (a bug)")
    try:
        plan = checkpoints.restore(checkpoint_id, apply=False).plan
    except VtcodeError as exc:
        app.chat(Notice(f"cannot restore {checkpoint_id}: {exc}", "error"))
        return

    def answered(choice: str | None) -> None:
        if choice is None or not plan.steps:
            app.chat(Notice("nothing restored", "warn"))
            return
        try:
            done = checkpoints.restore(checkpoint_id, apply=True, overwrite=choice == "overwrite")
        except VtcodeError as exc:
            app.chat(Notice(f"restore failed: {exc}", "error"))
            return
        outcome = done.outcome
        if outcome is None:
            raise InvariantError("outcome is unset here (a bug)")
        if done.before is None:
            raise InvariantError("done.before is unset here (a bug)")
        kept = f", {len(done.plan.kept)} kept" if done.plan.kept else ""
        failed = f", {len(outcome.failed)} failed" if outcome.failed else ""
        app.chat(Notice(f"restored checkpoint {checkpoint_id}: {len(outcome.written)} written, "
                        f"{len(outcome.deleted)} deleted{kept}{failed}; checkpoint {done.before.id} "
                        "holds the state before", "error" if outcome.failed else "done"))

    app.push_screen(RestoreScreen(plan, title), answered)


def open_servers(app: AppHost) -> None:
    """The servers screen: asked off the UI thread (a running server is asked for its prompts and
    resources, at most a couple of seconds), then shown."""
    if not _ready(app):
        return
    bench = app.workbench
    if bench is None:
        raise InvariantError("the workbench is gone although it was ready")
    app.notify("asking the MCP servers…", timeout=2)
    app.run_worker(lambda: _servers_or_say_why(app, bench), thread=True, group="servers", exclusive=True)


def _servers_or_say_why(app: AppHost, bench: Workbench) -> None:
    try:
        _collect_servers(app, bench)
    except Exception as exc:  # a tool source's fault must not end the TUI (a worker's error would)
        problem = f"cannot show the servers: {type(exc).__name__}: {exc}"
        app.call_from_thread(app.chat, Notice(problem, "error"))


def _collect_servers(app: AppHost, bench: Workbench) -> None:
    from vtcode_hookspecs import ActionRequest, ServerReport

    from .screens.servers import ServerRow, ServersScreen

    engine = bench.stack.runner.engine  # the very engine a session asks
    reports: dict[str, ServerReport] = {}
    rows: list[ServerRow] = []
    for entry in bench.runtime.plugins.registries.tool_sources:
        source = entry.obj
        if not isinstance(source, ServerReport):
            continue
        reports[entry.name] = source
        for server in source.servers(timeout=2.0):
            decisions = {}
            for offer in server.offers:
                if offer.kind == "tool":
                    decision = engine.decide(ActionRequest(kind="tool", tool=offer.name))
                    decisions[offer.name] = f"{decision.verdict.value}: {decision.rule or 'default'}"
            rows.append(ServerRow(entry.name, server, decisions))

    def approve(row: ServerRow) -> str:
        if row.server.identity is None:
            raise ValueError(f"{row.server.name} has no identity to approve")
        try:
            return reports[row.source].approve(row.server.name, row.server.identity)
        except ValueError:
            raise
        except Exception as exc:  # the screen says why; the TUI stays up
            raise ValueError(f"{type(exc).__name__}: {exc}") from exc

    def revoke(row: ServerRow) -> str:
        try:
            return reports[row.source].revoke(row.server.name)
        except ValueError:
            raise
        except Exception as exc:
            raise ValueError(f"{type(exc).__name__}: {exc}") from exc

    app.call_from_thread(app.push_screen, ServersScreen(rows, approve, revoke))

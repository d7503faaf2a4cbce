"""`vtcode audit verify|tail|replay`: read the tamper-evident audit logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vtcode.errors import ConfigError, InvariantError
from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options

if TYPE_CHECKING:
    from vtcode.config import EffectiveConfig


@click.group(name="audit")
def audit() -> None:
    """Read, verify and replay hash-chained audit logs (one *.jsonl per session)."""


@audit.command(name="verify")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help="Accept a log cut short (no session.ended): verify it up to its last complete event.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@reports_errors
def verify(files: tuple[Path, ...], allow_incomplete: bool, as_json: bool) -> None:
    """Check every event's hash and link in each of FILES; exit 1 on any edited, inserted, removed or
    reordered event, corrupted line, or (without --allow-incomplete) a log without its closing event."""
    from vtcode.audit import verify_logs

    reports = verify_logs(list(files))
    ok = all(r.status == "ok" or (r.status == "incomplete" and allow_incomplete) for r in reports)
    if as_json:
        say_json(json.dumps({"ok": ok, "logs": [r.to_json() for r in reports]}))
    else:
        for report in reports:
            _print_report(report)
    raise SystemExit(0 if ok else 1)


def _print_report(report: object) -> None:
    from vtcode.audit import LogReport
    from vtcode.terminal import neutral

    if not isinstance(report, LogReport):
        raise InvariantError("a single-log audit report of the wrong kind")
    name = ", ".join(report.files)
    span = f"{report.events} events (seq {report.first_seq}..{report.last_seq}), session {report.session}"
    anchor = f"  anchor: {report.anchor}" if report.anchor != "none" else (
        "  anchor: none on this machine (compare with the SIEM copy)"
    )
    if report.status == "ok":
        say(neutral(f"{name}: ok: {span}, closed by session.ended"))
        say(neutral(anchor))
        return
    if report.status == "incomplete":
        why = report.partial_tail or "no session.ended: the session crashed or the log was truncated"
        say(neutral(f"{name}: INCOMPLETE: {span} verified; {why}"))
        say(neutral(anchor))
        return
    say(neutral(f"{name}: TAMPERED: first bad seq {report.first_bad_seq}"))
    for finding in report.findings:
        say(neutral(f"  {finding.file}:{finding.line}: {finding.message}"))
    if report.more_findings:
        say(f"  ... and {report.more_findings} more")


@audit.command(name="tail")
@click.argument("file", required=False, type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("-n", "count", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many of the newest events to show first.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new events until the session ends.")
@click.option("--json", "as_json", is_flag=True, help="Events as JSON lines.")
@workspace_options
@reports_errors
def tail(file: Path | None, count: int, follow: bool, invocation: CommandContext) -> None:
    """The newest events of FILE (default: the session logged most recently in the audit dir)."""
    from vtcode.audit.tail import format_event, latest_log, tail_from
    from vtcode.paths import audit_dir

    if file is None:
        config = invocation.load_config()
        file = latest_log(audit_dir(config.config.audit.dir))

    def show(event: dict[str, object]) -> None:
        # JSON escapes C0 controls itself; the rest (C1, bidi, zero-width) as \\uXXXX: the same JSON.
        if invocation.as_json:
            say_json(json.dumps(event, ensure_ascii=False))
        else:
            say(format_event(event))

    events, segment, end = tail_from(file, count)
    for event in events:
        show(event)
    if follow:
        from vtcode.audit.tail import follow as follow_log

        for event in follow_log(file, start=(segment, end)):
            show(event)


@audit.command(name="replay")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--policy",
    "policy",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A vtcode.toml (layered above your configuration) or a tool-policy.json (replacing yours).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@workspace_options
@reports_errors
def replay(file: Path, policy: Path, invocation: CommandContext) -> None:
    """Re-decide every action recorded in FILE under another policy; list the decisions that change."""
    from vtcode.audit.replay import recorded_workspace
    from vtcode.audit.replay import replay as replay_log
    from vtcode.policy.engine import PolicyEngine
    from vtcode.workspace import Jail, resolve_root

    recorded = recorded_workspace(file)
    use_recorded = invocation.workspace is None and recorded is not None and recorded.is_dir()
    root = resolve_root(recorded if use_recorded else invocation.workspace)
    config = _policy_config(root, policy, invocation.config_files, invocation.overrides)
    result = replay_log(file, PolicyEngine(config, Jail(root)))
    if invocation.as_json:
        say_json(
            json.dumps(
                {
                    "file": str(file),
                    "policy": str(policy),
                    "workspace": str(root),
                    "decisions": result.decisions,
                    "unreadable": result.unreadable,
                    "changes": [c.to_json() for c in result.changes],
                }
            )
        )
        return
    for change in result.changes:
        rule = f" (rule {change.rule})" if change.rule else ""
        say(
            f"seq {change.seq}: {change.recorded} -> {change.now}: {change.action}: {change.reason}{rule}"
        )
    say(
        f"{len(result.changes)} of {result.decisions} recorded decisions would change under {policy}"
        + (f"; {result.unreadable} unreadable" if result.unreadable else "")
    )


def _policy_config(
    root: Path, policy: Path, config_files: tuple[Path, ...], overrides: tuple[str, ...]
) -> EffectiveConfig:
    from vtcode.config import ToolPolicyFile, load_config
    from vtcode.config.sources import read_document, validate_document
    from vtcode.plugins.config_sections import plugin_sections

    if policy.suffix == ".json":
        effective = load_config(
            root, config_files=config_files, overrides=overrides, sections=plugin_sections
        )
        data, text = read_document(policy)
        effective.tool_policy = validate_document(ToolPolicyFile, data, str(policy), text, is_json=True)
        effective.tool_policy_sources = {key: str(policy) for key in effective.tool_policy_sources}
        return effective
    if policy.suffix != ".toml":
        raise ConfigError(str(policy), "--policy takes a vtcode.toml or a tool-policy.json")
    return load_config(
        root, config_files=(*config_files, policy), overrides=overrides, sections=plugin_sections
    )

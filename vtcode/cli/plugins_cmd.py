"""`vtcode plugins list|approve|revoke|lock|verify|new`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from vtcode_hookspecs import FAMILIES

from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options


@click.group(name="plugins")
def plugins() -> None:
    """Plugins: what was signed off, what was blocked and why; approvals and pins."""


@plugins.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@workspace_options
@reports_errors
def list_plugins(invocation: CommandContext) -> None:
    """Every plugin found, with its status: signed-off, blocked, needs-approval, disabled or tampered."""
    runtime = invocation.open_runtime(attach_sinks=False, check_names=False)
    from vtcode.plugins.pth import scan

    records = runtime.plugins.records
    startup = scan()
    if invocation.as_json:
        rows = {"plugins": [r.to_json() for r in records], "pth": [p.to_json() for p in startup]}
        say_json(json.dumps(rows))
        return
    for record in records:
        families = ",".join(sorted(record.implements or record.declared)) or "-"
        say(
            f"{record.name:<20} {record.status.value:<15} {record.distribution} {record.version}"
            f"  [{families}]  {record.reason}"
        )
    for pth in startup:  # code Python runs at start, before the gate (vtcode/plugins/pth.py)
        status = "start-up-code" if pth.accepted else "blocks-start"
        say(f"{pth.path.name:<20} {status:<15} {pth.distribution or '-'} {pth.version or '-'}"
                   f"  [pth]  {pth.reason}")


@plugins.command(name="approve")
@click.argument("name")
@click.option(
    "--family",
    "families",
    multiple=True,
    type=click.Choice(FAMILIES),
    help="Hook families to allow (default: those its source defines).",
)
@workspace_options
@reports_errors
def approve(name: str, families: tuple[str, ...], invocation: CommandContext) -> None:
    """Approve the installed distribution NAME (or entry-point name). Running this is the consent."""
    from vtcode.plugins.approve import approve_plugin

    approval, modules = approve_plugin(
        name, families, invocation.root(), invocation.config_files, invocation.overrides
    )
    say(f"approved {approval.distribution} {approval.version}")
    say(f"  record digest: {approval.record_digest}")
    say(f"  hook families: {', '.join(approval.families)}")
    say(f"  modules:       {', '.join(modules)}")
    say(f"  recorded by:   {approval.approved_by} at {approval.approved_at:%Y-%m-%d %H:%M:%S} UTC")


@plugins.command(name="new")
@click.argument("name")
@click.option(
    "--family",
    type=click.Choice(FAMILIES),
    default="tools",
    show_default=True,
    help="The hook family of the example hookimpl.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    help="Directory to create vtcode-NAME in (default: the current directory).",
)
@reports_errors
def new(name: str, family: str, output: Path) -> None:
    """Scaffold a vtcode-NAME plugin distribution: pyproject, example hookimpl, tests, README."""
    from vtcode.scaffold import plugin_names, scaffold

    names = plugin_names(name)
    target = scaffold(names, family, output)
    say(f"created {target} ({names.dist}, entry point {names.entry!r}, family {family})")
    from vtcode.scaffold.origin import vtcode_origin

    origin = vtcode_origin()  # vtcode is not on PyPI yet: install it from where this one came (README)
    first = f"pip install {origin} && " if origin else ""
    say(f"  next: cd {target} && {first}pip install -e '.[test]' && python -m pytest")
    say(f"  then: vtcode plugins approve {names.dist}")


@plugins.command(name="revoke")
@click.argument("name")
@reports_errors
def revoke(name: str) -> None:
    """Withdraw the approval of distribution NAME."""
    from vtcode.plugins.approvals import revoke_approval

    say(f"{name}: approval {'revoked' if revoke_approval(name) else 'not found'}")


LOCK_FILE = "vtcode-plugins.lock.toml"  # in the workspace root: where `lock` writes and `verify` reads


@plugins.command(name="lock")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help=f"Where to write the pins (default: {LOCK_FILE} in the workspace, which `verify` reads).",
)
@workspace_options
@reports_errors
def lock(output: Path | None, invocation: CommandContext) -> None:
    """Write pins (name, exact version, RECORD digest, families) for every signed-off plugin."""
    from vtcode.plugins.pins import write_lock

    root = invocation.root()
    runtime = invocation.open_runtime(attach_sinks=False, check_names=False)
    target = output or root / LOCK_FILE
    count = write_lock(runtime.plugins.records, target)
    say(f"wrote {count} pins to {target}")


@plugins.command(name="verify")
@click.option(
    "--lock",
    "lock_file",
    type=click.Path(path_type=Path),
    default=None,
    help=f"Pin file to check against (default: the managed configuration's pins and {LOCK_FILE} in the "
    "workspace, each that exists).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@workspace_options
@reports_errors
def verify(lock_file: Path | None, invocation: CommandContext) -> None:
    """Exit 1 when installed plugins drift from the pins: changed, missing, tampered or unpinned.

    Without --lock: the managed configuration's pins, and the pin file `vtcode plugins lock` wrote in
    the workspace, each that exists (so `lock` then `verify` agree with no flags); neither: exit 1."""
    from vtcode.paths import managed_config_file
    from vtcode.plugins.pins import drift, read_lock

    root = invocation.root()
    runtime = invocation.open_runtime(attach_sinks=False, check_names=False)
    sources: list[tuple[str, list[Any]]] = []
    if lock_file is not None:
        sources.append((str(lock_file), read_lock(lock_file)))
    else:
        managed = runtime.config.config.plugins.pins
        if managed:
            sources.append((str(managed_config_file()), list(managed)))
        if (root / LOCK_FILE).is_file():
            sources.append((str(root / LOCK_FILE), read_lock(root / LOCK_FILE)))
    problems = []
    if not sources:  # nothing verified is not a pass (exit 1), as with an empty pin file
        problems.append(
            "no pins to verify against: the managed configuration has none and there is no "
            f"{root / LOCK_FILE} (write it with `vtcode plugins lock`, or pass --lock FILE)"
        )
    for name, pins in sources:
        found = drift(runtime.plugins.records, pins)
        problems += [f"{problem} ({name})" for problem in found] if len(sources) > 1 else found
    if invocation.as_json:
        say_json(json.dumps({"ok": not problems, "drift": problems}))
    else:
        for problem in problems:
            say(f"drift: {problem}")
        say("ok: installed plugins match the pins" if not problems else f"{len(problems)} problem(s)")
    raise SystemExit(1 if problems else 0)

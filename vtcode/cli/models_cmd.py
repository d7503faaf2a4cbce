"""`vtcode models [--provider NAME] [--json]`: what each configured provider offers and what vtcode will use.

For LM Studio from its own API (loaded or not, the loaded window and the maximum, tool use, size); for
other servers from /v1/models (ids, and whatever else they say). A provider that cannot be reached is one
line in its place and the exit status is 1; the others are still listed. Nothing is loaded.
"""

from __future__ import annotations

import json
from typing import Any

import click

from vtcode.runtime import Runtime
from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options


@click.command(name="models")
@click.option(
    "--provider", default=None, metavar="NAME", help="Only this provider (default: every configured one)."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@workspace_options
@reports_errors
def models(provider: str | None, invocation: CommandContext) -> None:
    """Every configured provider's models: loaded or not, context window, tool use, and the one vtcode
    will use (marked *)."""

    runtime = invocation.open_runtime(attach_sinks=False)
    try:
        reports = [_report(runtime, name) for name in _names(runtime, provider)]
    finally:
        runtime.bus.close("normal")
    # 2: a provider is misconfigured (unknown, bad options), as for every command; 1: one is unreachable.
    misconfigured = [r.pop("config_error") for r in reports]
    status = 2 if any(misconfigured) else 1 if any(r["error"] for r in reports) else 0
    if invocation.as_json:
        say_json(json.dumps({"providers": reports}))
    else:
        for report in reports:
            _print(report)
    raise SystemExit(status)


def _names(runtime: Runtime, provider: str | None) -> list[str]:
    """The chain in order, then any other `[providers.<name>]` table: every provider the config names."""
    if provider:
        return [provider]
    section = runtime.config.config.providers
    return list(dict.fromkeys([*section.chain, *section.entries()]))


def _report(runtime: Runtime, name: str) -> dict[str, Any]:
    from vtcode_hookspecs import ProviderError

    from vtcode.agent.connect import connect
    from vtcode.providers import ProviderConfigError

    report: dict[str, Any] = {
        "name": name,
        "base_url": None,
        "api": None,
        "uses": None,
        "how": None,
        "notes": [],
        "error": None,
        "config_error": False,
        "models": [],
    }
    try:
        link = connect(runtime, provider=name)
    except ProviderConfigError as exc:  # one provider's bad config must not hide the others
        report["error"], report["config_error"] = str(exc), True
        return report
    entry = link.chain.entries[0]
    try:
        listed = entry.models()
        report["base_url"] = getattr(entry.provider, "base_url", None) or entry.settings.base_url
        report["api"] = getattr(entry.provider, "api_version", None)
        report["models"] = [m.model_dump(mode="json") for m in listed]
        try:
            choice = entry.choose()
        except ProviderError as exc:  # none loaded: the models are still worth showing
            report["notes"] = [str(exc)]
        else:
            report["uses"], report["how"], report["notes"] = choice.model, choice.how, list(choice.notes)
    except ProviderError as exc:
        report["error"] = str(exc)
    finally:
        link.chain.close()
    return report


def _print(report: dict[str, Any]) -> None:
    where = report["base_url"] or ""
    api = f" (API {report['api']})" if report["api"] else ""
    if report["error"]:
        say(f"{report['name']}: error: {report['error']}")
        return
    say(f"{report['name']}  {where}{api}")
    listed = report["models"]
    if not listed:
        say("  (no models)")
    width = max((len(m["id"]) for m in listed), default=5)
    if listed:
        say(f"    {'model':<{width}}  {'state':<10}  {'window / max':<17}  {'tool use':<8}  size")
    for model in listed:
        mark = "*" if model["id"] == report["uses"] else " "
        say(
            f"  {mark} {model['id']:<{width}}  {_state(model['loaded']):<10}  {_window(model):<17}  "
            f"{_tools(model['tool_use']):<8}  {_size(model['size_bytes'])}".rstrip()
        )
    if report["uses"] and not any(m["id"] == report["uses"] for m in listed):
        say(f"  * {report['uses']} (configured; the server does not list it)")
    for note in report["notes"]:
        say(f"  note: {note}")


def _state(loaded: bool | None) -> str:
    return "-" if loaded is None else ("loaded" if loaded else "not loaded")


def _window(model: dict[str, Any]) -> str:
    """`16,384 / 40,960`: the window a request gets, then the most it could be loaded with."""
    window, maximum = model["context_length"], model["max_context_length"]
    if window is None and maximum is None:
        return "-"
    if maximum is None or maximum == window:
        return f"{window:,}"
    return f"{window:,} / {maximum:,}" if window is not None else f"? / {maximum:,}"


def _tools(tool_use: bool | None) -> str:
    return "-" if tool_use is None else ("yes" if tool_use else "no")


def _size(size: int | None) -> str:
    return f"{size / 1e9:.1f} GB" if size else ""

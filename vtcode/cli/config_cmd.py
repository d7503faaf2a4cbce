"""`vtcode config show|validate|schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from vtcode.terminal.echo import say, say_json

from .options import CommandContext, reports_errors, workspace_options

KINDS = ("vtcode", "managed", "tool-policy")


@click.group(name="config")
def config() -> None:
    """Configuration: the effective settings and where each came from; validation; JSON Schema."""


@config.command(name="show")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@workspace_options
@reports_errors
def show(invocation: CommandContext) -> None:
    """The effective configuration, with the layer that set each value."""

    effective = invocation.load_config(every_table=True)
    values = _flatten(effective.config)
    tool_values = _flatten(effective.tool_policy)
    if invocation.as_json:
        say_json(
            json.dumps(
                {
                    "workspace": str(effective.workspace),
                    "trusted": effective.trust.trusted,
                    "trust_reason": effective.trust.reason,
                    "layers": [vars(layer) for layer in effective.layers],
                    "settings": {
                        k: {"value": v, "source": effective.sources.get(k, "default")}
                        for k, v in values.items()
                    },
                    "tool_policy": {
                        k: {"value": v, "source": effective.tool_policy_sources.get(k, "default")}
                        for k, v in tool_values.items()
                    },
                    "locked": sorted(effective.locked),
                    "notices": effective.notices,
                }
            )
        )
        return
    say(f"# workspace {effective.workspace} ({effective.trust.reason})")
    for layer in effective.layers:
        say(
            f"# layer {layer.name}: {layer.path or ''} "
            f"{'' if layer.applied else '(not applied) '}{layer.note}"
        )
    summarised = False
    for prefix, settings, sources in (
        ("", values, effective.sources),
        ("tool-policy.", tool_values, effective.tool_policy_sources),
    ):
        for key, value in settings.items():
            shown, short = _readable(value)
            summarised |= short
            say(f"{prefix}{key} = {shown}  # {sources.get(key, 'default')}")
    if summarised:
        say("# values marked … are summarised; `vtcode config show --json` prints them whole")
    for notice in effective.notices:
        say(f"vtcode: notice: {notice}", err=True)


@config.command(name="validate")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default=None,
    help="What the file is (default: tool-policy for .json, managed if it has `locked`, else vtcode).",
)
@reports_errors
def validate(file: Path, kind: str | None) -> None:
    """Check FILE; exit 2 with one `file:line: key: problem` line per error, every one of them.

    Names that a plugin must register (providers in the chain, tools in tools.policies, the sandbox
    backend, event sinks) are checked against the plugins this file would admit."""
    from pydantic import ValidationError

    from vtcode.config.sources import read_document, validation_errors

    data, text = read_document(file)
    chosen = kind or (
        "tool-policy" if file.suffix == ".json" else "managed" if "locked" in data else "vtcode"
    )
    errors: list[Any] = []
    if chosen != "tool-policy":
        data, errors = _old_network_spellings(data, file, text)
    try:
        parsed = _model(chosen).model_validate(data)
    except ValidationError as exc:
        errors += validation_errors(exc, str(file), text, is_json=file.suffix == ".json")
        errors.sort(key=lambda error: error.line if error.line is not None else 1 << 30)
    else:
        errors += _unregistered(parsed, file, text) if chosen != "tool-policy" else []
    if errors:
        for error in errors:
            say(f"vtcode: error: {error}", err=True)
        raise SystemExit(2)
    say(f"{file}: ok ({chosen})")


def _old_network_spellings(data: dict[str, Any], file: Path, text: str) -> tuple[dict[str, Any], list[Any]]:
    """The document with `sandbox.network = true|false` and `[sandbox.egress]` read as `[sandbox.network]`;
    a malformed one is an error naming its key, and the rest of the file is still checked."""
    from vtcode.config.locate import toml_key_line
    from vtcode.config.network_legacy import LegacyNetworkError, upgrade_document
    from vtcode.errors import ConfigError

    errors: list[ConfigError] = []
    for _ in range(3):  # sandbox.network, then sandbox.egress: each bad one is reported and set aside
        try:
            return upgrade_document(data, str(file))[0], errors
        except LegacyNetworkError as exc:
            errors.append(ConfigError(str(file), exc.message, key=exc.key,
                                      line=toml_key_line(text, tuple(exc.key.split(".")))))
            sandbox = dict(data.get("sandbox") or {})
            sandbox.pop(exc.key.split(".")[1], None)
            data = {**data, "sandbox": sandbox}
    return data, errors


def _unregistered(parsed: Any, file: Path, text: str) -> list[Any]:
    from vtcode.config.locate import toml_key_line
    from vtcode.config.models import PluginsConfig
    from vtcode.errors import ConfigError
    from vtcode.events import EventBus
    from vtcode.plugins import load_plugins
    from vtcode.plugins.references import unregistered

    # The plugins installed here under the default gate, not under this file's [plugins] section: a fleet
    # file requiring verified installs must not read as "nothing registered" on an editable checkout.
    # Whether the file's own section admits them is checked when a session loads it.
    host = load_plugins(PluginsConfig(), EventBus())
    return [
        ConfigError(str(file), item.message, key=item.key, line=toml_key_line(text, item.path))
        for item in unregistered(parsed, host.registries)
    ]


@config.command(name="schema")
@click.option("--kind", type=click.Choice(KINDS), default="vtcode", show_default=True,
              help="Which file's schema to print.")
@click.option(
    "--write",
    "write_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Write every schema into DIR instead of printing one.",
)
@reports_errors
def schema(kind: str, write_dir: Path | None) -> None:
    """JSON Schema of vtcode.toml, managed.toml or tool-policy.json (generated from the models)."""
    from vtcode.schemas import schema_files, schema_text

    if write_dir is None:
        say(schema_text(_model(kind, builtin=True)), nl=False)
        return
    for name, text in schema_files().items():
        (write_dir / name).write_text(text, encoding="utf-8")
        say(f"wrote {write_dir / name}")


LINE_LIMIT = 160  # a setting longer than this is summarised in the human listing (the JSON has it whole)


def _readable(value: Any) -> tuple[str, bool]:
    """The value as TOML-ish JSON, or, when long, what it holds (entries or items, the first names)."""
    text = json.dumps(value)
    if len(text) <= LINE_LIMIT:
        return text, False
    if isinstance(value, dict):
        names = ", ".join(list(value)[:8])
        return f"{{{len(value)} entries: {names}{', …' if len(value) > 8 else ''}}}", True
    if isinstance(value, list):
        first = ", ".join(json.dumps(item)[:40] for item in value[:4])
        return f"[{len(value)} items: {first}{', …' if len(value) > 4 else ''}]", True
    return text[: LINE_LIMIT - 1] + "…", True


def _model(kind: str, *, builtin: bool = False) -> Any:
    """The file's model, with the tables plugins declare (config_sections): the plugins installed here
    under the default gate, or vtcode's own (`builtin`, for the schemas)."""
    from vtcode.config import ToolPolicyFile
    from vtcode.config.layers import with_sections
    from vtcode.config.models import PluginsConfig
    from vtcode.plugins.config_sections import builtin_sections, plugin_sections

    if kind == "tool-policy":
        return ToolPolicyFile
    config, managed = with_sections(builtin_sections() if builtin else plugin_sections(PluginsConfig()))
    return {"vtcode": config, "managed": managed}[kind]


def _flatten(model: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf settings by dotted key, following the model's sections (the same keys `sources` uses)."""
    from vtcode.config.merge import section_model

    flat: dict[str, Any] = {}
    for key, info in type(model).model_fields.items():
        value = getattr(model, key)
        if section_model(info) is not None:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = (
                value.model_dump(mode="json")
                if hasattr(value, "model_dump")
                else (json.loads(json.dumps(value, default=lambda o: o.model_dump(mode="json"))))
            )
    for key, value in (getattr(model, "__pydantic_extra__", None) or {}).items():  # [providers.<name>]
        for leaf, item in value.model_dump(mode="json", exclude_unset=True).items():
            flat[f"{prefix}{key}.{leaf}"] = item
    return flat

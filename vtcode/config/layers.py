"""Build the effective configuration from its layers, lowest trust... to highest authority:

built-in defaults (policies/) < managed defaults < system < user < trusted workspace (tighten-only)
< --config files < -c key=value < managed `locked` keys, which nothing can change.

A plugin's own tables (`[mcp]`) are declared by the plugin (the `config_sections` hook) and validated and
merged here exactly like the core's: the caller that can sign off plugins passes `sections`, which is
asked only when some layer has a table the core does not know (docs/decisions/2002-plugin-config-sections.md).
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from pydantic import BaseModel, ConfigDict, create_model
from vtcode_hookspecs import ToolSourceSetup

from vtcode.errors import ConfigError
from vtcode.paths import (
    managed_config_file,
    note_config_file,
    policies_dir,
    system_config_file,
    user_config_dir,
)
from vtcode.workspace.trust import TrustState, check_trust

from .locate import json_key_line, toml_key_line
from .merge import MergeState, apply_layer, extras_marker, get_path, section_model
from .models import ManagedConfig, PluginsConfig, VtcodeConfig
from .network_legacy import LEGACY_TABLE, LegacyNetworkError, legacy_key, upgrade_document, upgrade_key
from .sources import read_document, validate_document
from .tool_policy import ToolPolicyFile

WORKSPACE_CONFIG = "vtcode.toml"
WORKSPACE_TOOL_POLICY = ".vtcode/tool-policy.json"

# The plugins' own tables for a [plugins] section: name -> model (vtcode/plugins/config_sections.py).
SectionsFor = Callable[[PluginsConfig], Mapping[str, type[BaseModel]]]


class _OpenConfig(VtcodeConfig):
    """The first pass when plugins may own tables: a top-level table the core does not know is set aside
    (noted in `_Schema.unknown`), not refused; the core's own tables are checked as strictly as ever."""

    model_config = ConfigDict(extra="ignore")


class _OpenManaged(ManagedConfig):
    model_config = ConfigDict(extra="ignore")


@dataclass
class _Schema:
    """The models one pass validates and merges with, and the top-level names it met outside them."""

    config: type[VtcodeConfig] = VtcodeConfig
    managed: type[ManagedConfig] = ManagedConfig
    open: bool = False
    unknown: set[str] = field(default_factory=set)

    def note(self, data: Mapping[str, Any], model: type[BaseModel]) -> None:
        if self.open:
            self.unknown.update(key for key in data if key not in model.model_fields)

    def final(self, model: type[BaseModel], strict: type[BaseModel]) -> type[BaseModel]:
        """The model a merged document is built with: the open one only while there is something it
        sets aside (that result is then thrown away for the second pass), so a first pass that met no
        table of a plugin returns the very objects a core-only load returns."""
        return model if self.unknown or not self.open else strict


def with_sections(sections: Mapping[str, type[BaseModel]]) -> tuple[type[VtcodeConfig], type[ManagedConfig]]:
    """vtcode.toml's and managed.toml's models with the plugins' tables added (checked by the caller:
    no name of the core's, every model a BaseModel that builds with its defaults)."""
    if not sections:
        return VtcodeConfig, ManagedConfig
    fields: dict[str, Any] = {name: (model, model()) for name, model in sorted(sections.items())}
    config = create_model("VtcodeConfig", __base__=VtcodeConfig, __doc__=VtcodeConfig.__doc__, **fields)
    managed = create_model("ManagedConfig", __base__=ManagedConfig, __doc__=ManagedConfig.__doc__, **fields)
    return config, managed


@dataclass(frozen=True)
class LayerInfo:
    name: str
    path: str | None
    applied: bool
    note: str = ""


@dataclass
class EffectiveConfig:
    config: VtcodeConfig
    tool_policy: ToolPolicyFile
    workspace: Path
    trust: TrustState
    managed: ManagedConfig | None
    sources: dict[str, str] = field(default_factory=dict)
    tool_policy_sources: dict[str, str] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    layers: list[LayerInfo] = field(default_factory=list)
    locked: frozenset[str] = frozenset()

    def source_setup(self, name: str, workspace: Path | None = None) -> ToolSourceSetup:
        """What a plugin is handed of this config: its own table (`[mcp]` for `mcp`) as plain data, which
        layer set each of its keys, the workspace and its trust. The same for a session's tool source
        (agent/stack.py) and a plugin's command (CommandContext.source_setup), so both see one config."""
        table = getattr(self.config, name, None)
        settings = table.model_dump(mode="json") if isinstance(table, BaseModel) else {}
        layers = {k: v for k, v in self.sources.items() if k == name or k.startswith(name + ".")}
        return ToolSourceSetup(
            workspace=str(workspace or self.workspace), trusted=self.trust.trusted, settings=settings,
            layers=layers,
        )


def load_config(
    workspace: Path,
    *,
    config_files: Sequence[Path] = (),
    overrides: Sequence[str] = (),
    sections: SectionsFor | None = None,
    every_table: bool = False,
) -> EffectiveConfig:
    """Read, validate and merge every layer; any malformed file stops here with a ConfigError.

    `sections`: where the plugins' own tables come from (vtcode/plugins/config_sections.py), asked with
    the merged [plugins] section when a layer has a table the core does not know; then every layer is
    read again with those tables' models. Without it, or for a table no plugin declares, such a table is
    an unknown key, as always. `every_table`: ask even when no layer has such a table, so that every
    plugin table is in the result with its defaults (`vtcode config show`)."""
    if sections is None:
        return _load(workspace, config_files, overrides, _Schema())
    first = _Schema(_OpenConfig, _OpenManaged, open=True)
    effective = _load(workspace, config_files, overrides, first)
    if not first.unknown and not every_table:
        return effective
    config, managed = with_sections(sections(effective.config.plugins))
    return _load(workspace, config_files, overrides, _Schema(config, managed))


def _load(
    workspace: Path, config_files: Sequence[Path], overrides: Sequence[str], schema: _Schema
) -> EffectiveConfig:
    model = schema.config
    trust = check_trust(workspace)
    state = MergeState(model().model_dump(), {})
    _seed_sources(state, model, "default")
    layers: list[LayerInfo] = []

    builtin = policies_dir() / "vtcode.toml"
    _file_layer(state, layers, builtin, "builtin", schema)

    managed_path = managed_config_file()
    managed: ManagedConfig | None = None
    read = _read_managed(managed_path, state, schema)
    if read is not None:
        data, managed = read
        apply_layer(state, data, model, "managed", managed=True)
        layers.append(LayerInfo("managed", str(managed_path), True))
    locked_values = _snapshot_locked(state, managed)

    _file_layer(state, layers, system_config_file(), "system", schema)
    _file_layer(state, layers, user_config_dir() / "vtcode.toml", "user", schema)
    ws_file = workspace / WORKSPACE_CONFIG
    if trust.trusted:
        _file_layer(state, layers, ws_file, "workspace", schema, tighten_only=True)
    elif ws_file.exists():
        layers.append(LayerInfo("workspace", str(ws_file), False, "ignored: workspace not trusted"))
        state.notices.append(f"{ws_file}: ignored because the workspace is not trusted ({trust.reason})")
    for path in config_files:
        _file_layer(state, layers, path, f"--config {path}", schema, required=True)
    for item in overrides:
        apply_layer(state, _override_layer(item, state, schema), model, f"-c {item}")
        layers.append(LayerInfo(f"-c {item}", None, True))

    _restore_locked(state, locked_values)
    final = schema.final(model, VtcodeConfig)
    config = cast(VtcodeConfig, validate_document(final, state.values, "effective configuration", None))
    tool_policy, tp_state = _load_tool_policy(workspace, trust, layers)
    for layer in layers:  # every file in effect is out of the agent's reach (jail and sandbox)
        if layer.applied and layer.path is not None:
            note_config_file(layer.path)
    return EffectiveConfig(
        config=config,
        tool_policy=tool_policy,
        workspace=workspace,
        trust=trust,
        managed=managed,
        sources=state.sources,
        tool_policy_sources=tp_state.sources,
        notices=state.notices + tp_state.notices,
        layers=layers,
        locked=frozenset(locked_values),
    )


def _file_layer(
    state: MergeState,
    layers: list[LayerInfo],
    path: Path,
    name: str,
    schema: _Schema | type[BaseModel],
    *,
    tighten_only: bool = False,
    required: bool = False,
) -> None:
    if not path.exists():
        if required:
            raise ConfigError(str(path), "no such file")
        return
    data, text = read_document(path)
    model: type[BaseModel]
    if isinstance(schema, _Schema):  # a vtcode.toml layer
        model = schema.config
        schema.note(data, model)
        data = _upgraded(state, data, str(path), text, is_json=path.suffix == ".json", model=model)
    else:
        model = schema
        validate_document(model, data, str(path), text, is_json=path.suffix == ".json")
    apply_layer(state, data, model, name, tighten_only=tighten_only)
    layers.append(LayerInfo(name, str(path), True, "tighten-only" if tighten_only else ""))


def _upgraded(
    state: MergeState | None,
    data: dict[str, Any],
    name: str,
    text: str | None,
    *,
    is_json: bool = False,
    model: type[BaseModel] = VtcodeConfig,
) -> dict[str, Any]:
    """The layer with the old network spellings rewritten (network_legacy.py), validated; an error names
    the key as the file wrote it, and each rewrite is said once as a config.notice."""
    locate = json_key_line if is_json else toml_key_line
    try:
        upgraded, notices = upgrade_document(data, name)
    except LegacyNetworkError as exc:
        line = locate(text, tuple(exc.key.split("."))) if text is not None else None
        raise ConfigError(name, exc.message, key=exc.key, line=line) from exc
    sandbox = data.get("sandbox")
    try:
        validate_document(model, upgraded, name, text, is_json=is_json)
    except ConfigError as exc:
        if not (isinstance(sandbox, dict) and LEGACY_TABLE in sandbox and exc.key
                and exc.key.startswith("sandbox.network.")):
            raise
        key = legacy_key(exc.key)
        line = locate(text, tuple(key.split("."))) if text is not None else None
        raise ConfigError(name, exc.detail, key=key, line=line) from exc
    if state is not None:
        state.notices.extend(notices)
    return upgraded


def _read_managed(
    path: Path, state: MergeState | None = None, schema: _Schema | None = None
) -> tuple[dict[str, Any], ManagedConfig] | None:
    if not path.exists():
        return None
    schema = schema or _Schema()
    data, text = read_document(path)
    schema.note(data, schema.managed)
    data = _upgraded(state, data, str(path), text, model=schema.managed)
    model = cast(ManagedConfig, schema.final(schema.managed, ManagedConfig).model_validate(data))
    for key in model.locked:
        if not _is_config_key(key, schema):
            raise ConfigError(str(path), f"locked names an unknown key {key!r}", key="locked")
    return data, model


def _is_config_key(dotted: str, schema: _Schema | None = None) -> bool:
    schema = schema or _Schema()
    model: type[BaseModel] | None = schema.config
    parts = dotted.split(".")
    if schema.open and parts[0] not in schema.config.model_fields:
        schema.unknown.add(parts[0])  # perhaps a plugin's table: the second pass knows
        return True
    for index, part in enumerate(parts):
        if model is not None and part not in model.model_fields and extras_marker(model) is not None:
            return index < len(parts) - 1  # `providers.<name>.<key>`: the table's model checks <key>
        if model is None or part not in model.model_fields:
            return False
        model = section_model(model.model_fields[part])
    return True


def _snapshot_locked(state: MergeState, managed: ManagedConfig | None) -> dict[str, Any]:
    if managed is None:
        return {}
    return {key: copy.deepcopy(get_path(state.values, key)) for key in managed.locked}


def _restore_locked(state: MergeState, locked: dict[str, Any]) -> None:
    for dotted, value in locked.items():
        parts = dotted.split(".")
        node = state.values
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if node.get(parts[-1]) != value:
            state.notices.append(
                f"{dotted}: locked by the managed configuration; other layers' values ignored"
            )
        node[parts[-1]] = copy.deepcopy(value)
        for key in list(state.sources):
            if key == dotted or key.startswith(dotted + "."):
                state.sources[key] = "managed (locked)"
        state.sources.setdefault(dotted, "managed (locked)")


def _override_layer(
    item: str, notices: MergeState | None = None, schema: _Schema | None = None
) -> dict[str, Any]:
    """`-c key=value`: the value is read as TOML when it parses, else as a plain string."""
    schema = schema or _Schema()
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or not _is_config_key(upgrade_key(key), schema):
        raise ConfigError(
            f"-c {item}", 'expected KEY=VALUE with a known dotted key, e.g. sandbox.network.mode="off"'
        )
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    layer: dict[str, Any] = {}
    node = layer
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return _upgraded(notices, layer, f"-c {item}", None, model=schema.config)


def _seed_sources(state: MergeState, model: type[BaseModel], name: str, prefix: str = "") -> None:
    for key, info in model.model_fields.items():
        sub = section_model(info)
        if sub is not None:
            _seed_sources(state, sub, name, f"{prefix}{key}.")
        else:
            state.sources[f"{prefix}{key}"] = name


def _load_tool_policy(
    workspace: Path, trust: TrustState, layers: list[LayerInfo]
) -> tuple[ToolPolicyFile, MergeState]:
    state = MergeState(ToolPolicyFile().model_dump(), {})
    _seed_sources(state, ToolPolicyFile, "default")
    _file_layer(state, layers, policies_dir() / "tool-policy.json", "builtin", ToolPolicyFile)
    _file_layer(state, layers, user_config_dir() / "tool-policy.json", "user", ToolPolicyFile)
    ws_file = workspace / WORKSPACE_TOOL_POLICY
    if trust.trusted:
        _file_layer(state, layers, ws_file, "workspace", ToolPolicyFile, tighten_only=True)
    elif ws_file.exists():
        layers.append(LayerInfo("workspace", str(ws_file), False, "ignored: workspace not trusted"))
        state.notices.append(f"{ws_file}: ignored because the workspace is not trusted")
    policy = validate_document(ToolPolicyFile, state.values, "effective tool policy", None)
    return policy, state

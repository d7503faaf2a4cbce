"""The plugins' own tables of vtcode.toml (the `config_sections` hook), for the core's loader.

Only signed-off plugins are asked (the gate runs first, with the [plugins] section the layers give), and
only plugins signed off for the "config" family. What they declare is checked before the loader uses it:
a plugin may not take a table of the core's (`[sandbox]`) nor one another plugin took.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ValidationError

from vtcode.config.models import ManagedConfig, PluginsConfig
from vtcode.errors import ConfigError
from vtcode.events import EventBus

from .host import PluginHost
from .loader import load_plugins
from .signoff import Status

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
FAMILY = frozenset({"config"})


def plugin_sections(plugins: PluginsConfig) -> dict[str, type[BaseModel]]:
    """The tables the plugins this [plugins] section signs off declare: name -> model."""
    return declared_sections(load_plugins(plugins, EventBus(), families=FAMILY))


def builtin_sections() -> dict[str, type[BaseModel]]:
    """The tables vtcode's own plugins declare (the committed JSON Schemas describe these, whatever
    else happens to be installed)."""
    return declared_sections(load_plugins(PluginsConfig(), EventBus(), families=FAMILY), builtin_only=True)


def declared_sections(host: PluginHost, *, builtin_only: bool = False) -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    owner: dict[str, str] = {}
    for impl in host.pm.hook.config_sections.get_hookimpls():
        name = impl.plugin_name
        record = host.record(name)
        if record is None or record.status is not Status.SIGNED_OFF or (builtin_only and not record.builtin):
            continue
        where = f"plugin {name!r}"
        try:
            answer = impl.function()
        except Exception as exc:
            raise ConfigError(where, f"config_sections failed: {type(exc).__name__}: {exc}") from exc
        for section, model in _checked(answer, where).items():
            if section in owner:
                raise ConfigError(where, f"declares [{section}], which plugin {owner[section]!r} declared",
                                  key=section)
            owner[section] = name
            found[section] = model
    return found


def _checked(answer: object, where: str) -> Mapping[str, type[BaseModel]]:
    if answer is None:
        return {}
    if not isinstance(answer, Mapping):
        raise ConfigError(where, f"config_sections returned {type(answer).__name__}, not a mapping")
    for section, model in answer.items():
        if not isinstance(section, str) or not _NAME.match(section):
            raise ConfigError(where, f"config_sections: {section!r} is not a table name (a-z, 0-9, _)")
        if section in ManagedConfig.model_fields:
            raise ConfigError(where, f"declares [{section}], a table of vtcode's own", key=section)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise ConfigError(where, f"[{section}]: {model!r} is not a pydantic model", key=section)
        try:
            model()
        except ValidationError as exc:
            raise ConfigError(where, f"[{section}]: its model needs a default for every key (an absent "
                              "table must mean the defaults)", key=section) from exc
    return answer

"""What a scaffolded plugin is called: one user-given NAME becomes the distribution, package and
entry-point names, or a one-line error saying what a valid name looks like."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import metadata

from vtcode.errors import VtcodeError

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MAX_LENGTH = 40


class ScaffoldError(VtcodeError):
    """A plugin scaffold cannot be made: a bad name, an unknown family, or the target already exists."""


@dataclass(frozen=True)
class PluginNames:
    name: str  # my-tool
    dist: str  # vtcode-my-tool
    module: str  # vtcode_my_tool
    entry: str  # my_tool: the entry-point name, shown by `vtcode plugins list`
    env: str  # MY_TOOL: for the plugin's own environment variables


def plugin_names(name: str) -> PluginNames:
    if name.startswith(("vtcode-", "vtcode_")) or name == "vtcode":
        raise ScaffoldError(f"{name!r}: give the name without the vtcode- prefix (it is added for you)")
    if len(name) > MAX_LENGTH or not _NAME.match(name):
        raise ScaffoldError(
            f"{name!r}: a plugin name is lower-case letters, digits and single hyphens, starting with a "
            f"letter, at most {MAX_LENGTH} characters (e.g. word-count)"
        )
    entry = name.replace("-", "_")
    if entry in _builtin_entry_points():
        raise ScaffoldError(f"{name!r}: a built-in plugin is named {entry!r}; both would be blocked")
    return PluginNames(name, f"vtcode-{name}", f"vtcode_{entry}", entry, entry.upper())


def _builtin_entry_points() -> set[str]:
    try:
        dist = metadata.distribution("vtcode")
    except metadata.PackageNotFoundError:
        return set()
    return {ep.name for ep in dist.entry_points if ep.group == "vtcode"}

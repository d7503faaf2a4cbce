"""`vtcode plugins new`: scaffold a third-party plugin distribution for one hook family."""

from .names import PluginNames, ScaffoldError, plugin_names
from .render import FAMILY_KITS, scaffold

__all__ = ["FAMILY_KITS", "PluginNames", "ScaffoldError", "plugin_names", "scaffold"]

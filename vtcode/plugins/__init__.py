"""The plugin gate: nothing outside this package registers a plugin."""

from .host import PluginHost
from .loader import load_plugins
from .records import PluginRecord
from .signoff import Status

__all__ = ["PluginHost", "PluginRecord", "Status", "load_plugins"]

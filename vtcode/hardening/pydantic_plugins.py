"""pydantic's own plugins, closed: its loader would import every installed distribution's `pydantic` entry
points the first time a model class is built, third-party code running inside vtcode outside the plugin
sign-off gate (and a scan of all distributions, ~10 ms).

The list is fixed empty as the loader module is imported, by a finder placed first on sys.meta_path, so
a command that never imports pydantic (`vtcode audit verify`) does not import it for this either. The
loader keeps the list in a module global (`_plugins`, None until scanned); should a pydantic release move
it, the documented switch PYDANTIC_DISABLE_PLUGINS is set instead, which children then inherit too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Any

LOADER = "pydantic.plugin._loader"


def close_pydantic_plugins() -> bool:
    """Close the list now if the loader is imported already, else when it is. True once in place."""
    loaded = sys.modules.get(LOADER)
    if loaded is not None:
        return _close(loaded)
    if not any(isinstance(finder, _ClosesOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ClosesOnImport())
    return True


def _close(loader_module: ModuleType) -> bool:
    if getattr(loader_module, "_plugins", ...) in (None, {}):
        loader_module._plugins = {}  # type: ignore[attr-defined]
        return True
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
    return False


class _ClosesOnImport:
    """Finds pydantic's plugin loader through the other finders and closes its list once it has run."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if name != LOADER:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec: ModuleSpec | None = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                _close_after(spec.loader)
                return spec
        return None


def _close_after(loader: Any) -> None:
    run = loader.exec_module

    def exec_module(module: ModuleType) -> None:
        run(module)
        _close(module)

    loader.exec_module = exec_module  # this loader instance serves this one spec

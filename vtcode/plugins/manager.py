"""A pluggy PluginManager that accepts registrations only through the sign-off gate.

pluggy's own `register` is non-atomic (a failure half-way leaves hookimpls behind) and anyone holding the
manager could call it; here it is refused unless the gate is open, and the gate rolls back on failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pluggy
from vtcode_hookspecs import PROJECT_NAME
from vtcode_hookspecs import _specs as hook_specs

from vtcode.errors import PluginRegistrationRefused


class GatedPluginManager(pluggy.PluginManager):
    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self._gate_open = False
        self.add_hookspecs(hook_specs)

    @contextmanager
    def gate(self) -> Iterator[None]:
        self._gate_open = True
        try:
            yield
        finally:
            self._gate_open = False

    def register(self, plugin: Any, name: str | None = None) -> str | None:
        if not self._gate_open:
            raise PluginRegistrationRefused(
                f"plugin {name or plugin!r}: registration outside the sign-off gate is refused"
            )
        return super().register(plugin, name)

    def register_atomically(self, plugin: Any, name: str) -> None:
        """Register, or leave no trace: on any error the plugin is unregistered and blocked."""
        with self.gate():
            try:
                self.register(plugin, name)
            except BaseException:
                self.unregister_and_block(name)
                raise

    def unregister_and_block(self, name: str) -> None:
        # pluggy records the name before adding hookimpls, so a half-registered plugin is found by name
        # and `unregister` removes whatever hookimpls it had already added.
        if self.has_plugin(name):
            self.unregister(name=name)
        self.set_blocked(name)

    def load_setuptools_entrypoints(self, group: str, name: str | None = None) -> int:
        raise PluginRegistrationRefused("entry points are loaded only by vtcode's sign-off gate")

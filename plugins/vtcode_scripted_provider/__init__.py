"""A provider that replays a recorded script instead of calling a model: for `vtcode demo` and tests.

It says what it is in every listing, so nobody mistakes it for a model.
"""

from __future__ import annotations

from collections.abc import Callable

from vtcode_hookspecs import Provider, hookimpl

from .provider import ScriptedProvider


@hookimpl
def register_providers(register: Callable[[Provider], None]) -> None:
    register(ScriptedProvider())

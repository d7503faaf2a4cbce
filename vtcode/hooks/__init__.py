"""Lifecycle hooks: commands (in the sandbox) and plugins that may only tighten (docs/hooks.md)."""

from .runner import HookRunner, hook_runner

__all__ = ["HookRunner", "hook_runner"]

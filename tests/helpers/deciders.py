"""Types shared by the policy tests' fixtures."""

from __future__ import annotations

from collections.abc import Callable

# decide(shell, rules=None, lists=None, approvals=None) -> (verdict, rule, reason)
Decide = Callable[..., tuple[str, str, str]]

"""Network egress by policy: the proxy a sandboxed command's only route out leads to (`[sandbox.network]`
mode = "allowlist").

rules.py decides hosts and addresses, proxy.py forwards and audits, tls.py reads a tunnel's server name,
defaults.py lists the registries and forges a user may switch on. See docs/security/network.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .rules import EgressRules, RuleError

if TYPE_CHECKING:
    from .proxy import EgressProxy

__all__ = ["EgressProxy", "EgressRules", "RuleError"]


def __getattr__(name: str) -> Any:
    """The proxy (asyncio, its threads, splice) is imported when a sandbox first needs it: every
    `vtcode` start imports the sandbox package, and most never use the allowlist mode."""
    if name == "EgressProxy":
        from .proxy import EgressProxy

        return EgressProxy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Network egress by policy: the proxy a sandboxed command's only route out leads to (`[sandbox.network]`
mode = "allowlist").

rules.py decides hosts and addresses, proxy.py forwards and audits, tls.py reads a tunnel's server name,
defaults.py lists the registries and forges a user may switch on. See docs/security/network.md.
"""

from __future__ import annotations

from .proxy import EgressProxy
from .rules import EgressRules, RuleError

__all__ = ["EgressProxy", "EgressRules", "RuleError"]

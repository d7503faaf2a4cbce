"""Which hosts a sandboxed command may reach through the egress proxy, and at which addresses.

Two kinds of rule, because they answer two questions:
- a **host rule** (`pypi.org`, `*.pythonhosted.org`, optionally `:port`) says which names may be asked for;
  `*.x` matches every name below x, never x itself;
- an **address rule** (`10.1.2.3`, `10.0.0.0/8`, `::1`) says which non-public addresses may be connected to
  and which IP literals may be asked for.
A name is allowed when an allow rule matches it and no deny rule does (deny wins). Whatever the name, the
address the proxy resolved it to must be public unless an address rule names it, so a public name that
resolves to 127.0.0.1, 10.x or 169.254.169.254 (DNS rebinding, a planted record) is refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata endpoints: link-local or private anyway, named so the audit says what was tried.
METADATA = (ipaddress.ip_network("169.254.169.254/32"), ipaddress.ip_network("fd00:ec2::254/128"),
            ipaddress.ip_network("100.100.100.200/32"))
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not public, not in is_private


class RuleError(ValueError):
    """A malformed rule; the message names it."""


@dataclass(frozen=True)
class HostRule:
    text: str
    suffix: str  # lower-case; for a wildcard the part after "*."
    wildcard: bool
    port: int | None

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.wildcard:
            return host.endswith("." + self.suffix)
        return host == self.suffix


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str
    reason: str = ""


def normalise_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def ip_literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(normalise_host(host))
    except ValueError:
        return None


def _parse(text: str) -> HostRule | Network:
    raw = text.strip()
    if not raw:
        raise RuleError("an empty egress rule")
    try:
        return ipaddress.ip_network(raw.strip("[]"), strict=False)
    except ValueError:
        pass
    host, port = raw, None
    if raw.count(":") == 1:
        host, _, port_text = raw.partition(":")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise RuleError(f"egress rule {text!r}: the port must be 1-65535")
        port = int(port_text)
    host = normalise_host(host)
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    labels = name.split(".")
    if not name or "*" in name or any(not label or len(label) > 63 for label in labels) or not all(
        ch.isalnum() or ch in "-_" for label in labels for ch in label
    ):
        raise RuleError(f"egress rule {text!r}: expected a host name, '*.domain', an IP address or a CIDR")
    return HostRule(text=raw, suffix=name, wildcard=wildcard, port=port)


def special(address: Address) -> str | None:
    """Why an address is not public (refused unless an address rule names it), or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return special(address.ipv4_mapped)
    if any(address in net for net in METADATA):
        return "cloud-metadata address"
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if address.is_unspecified:
        return "unspecified address"
    if address.is_multicast:
        return "multicast address"
    if address.is_private or (isinstance(address, ipaddress.IPv4Address) and address in SHARED):
        return "private address"
    if address.is_reserved or not address.is_global:
        return "reserved address"
    return None


class EgressRules:
    """Compiled allow and deny rules plus per-host method restrictions."""

    def __init__(self, allow: Iterable[str], deny: Iterable[str] = (),
                 methods: Mapping[str, Iterable[str]] | None = None) -> None:
        self.allow_hosts: list[HostRule] = []
        self.allow_nets: list[Network] = []
        self.deny_hosts: list[HostRule] = []
        self.deny_nets: list[Network] = []
        for text in allow:
            rule = _parse(text)
            (self.allow_hosts if isinstance(rule, HostRule) else self.allow_nets).append(rule)  # type: ignore[arg-type]
        for text in deny:
            rule = _parse(text)
            (self.deny_hosts if isinstance(rule, HostRule) else self.deny_nets).append(rule)  # type: ignore[arg-type]
        self.methods: list[tuple[HostRule, frozenset[str]]] = []
        for pattern, allowed in (methods or {}).items():
            rule = _parse(pattern)
            if not isinstance(rule, HostRule):
                raise RuleError(f"egress method rule {pattern!r}: expected a host name or '*.domain'")
            self.methods.append((rule, frozenset(m.upper() for m in allowed)))

    def host(self, host: str, port: int) -> Decision:
        """May the command ask for this name (or IP literal) at this port?"""
        name = normalise_host(host)
        literal = ip_literal(name)
        if literal is not None:
            return self._literal(literal)
        for rule in self.deny_hosts:
            if rule.matches(name, port):
                return Decision(False, f"deny {rule.text}", "denied by rule")
        for rule in self.allow_hosts:
            if rule.matches(name, port):
                return Decision(True, f"allow {rule.text}")
        return Decision(False, "no-rule", f"{name} is not in sandbox.egress.allow")

    def _literal(self, address: Address) -> Decision:
        for net in self.deny_nets:
            if address in net:
                return Decision(False, f"deny {net}", "denied by rule")
        for net in self.allow_nets:
            if address in net:
                return Decision(True, f"allow {net}")
        return Decision(False, "ip-literal", "IP-literal targets need an address rule naming them")

    def address(self, address: Address) -> Decision:
        """May the proxy connect to this resolved address?"""
        for net in self.deny_nets:
            if address in net:
                return Decision(False, f"deny {net}", "denied by rule")
        why = special(address)
        if why is None:
            return Decision(True, "public-address")
        for net in self.allow_nets:
            if address in net:
                return Decision(True, f"allow {net}")
        return Decision(False, "non-public-address",
                        f"resolved to a {why} ({address}); no address rule names it")

    def method(self, host: str, port: int, method: str) -> Decision:
        name = normalise_host(host)
        for rule, allowed in self.methods:
            if rule.matches(name, port):
                if method.upper() in allowed:
                    return Decision(True, f"methods {rule.text}")
                return Decision(False, f"methods {rule.text}",
                                f"{method} is not allowed for {name} (only {', '.join(sorted(allowed))})")
        return Decision(True, "any-method")

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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Cloud metadata endpoints: link-local or private anyway, named so the audit says what was tried.
METADATA = (ipaddress.ip_network("169.254.169.254/32"), ipaddress.ip_network("fd00:ec2::254/128"),
            ipaddress.ip_network("100.100.100.200/32"))
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not public, not in is_private
# IPv6 prefixes that carry an IPv4 address inside (6to4, the NAT64 well-known and local-use prefixes): a
# relay would deliver them to that IPv4 address, which no check here has seen.
EMBEDS_IPV4 = (ipaddress.ip_network("2002::/16"), ipaddress.ip_network("64:ff9b::/96"),
               ipaddress.ip_network("64:ff9b:1::/48"))
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)\Z")


class RuleError(ValueError):
    """A malformed rule; the message names it."""


class HostError(ValueError):
    """A host that is neither an IP address nor an ASCII DNS name; the message says why."""


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


def canonical_host(host: str) -> str:
    """The one spelling of a host that rules are matched on *and* the resolver is asked for: an IP
    address in its standard form (IPv4-mapped IPv6 unwrapped), or a lower-case ASCII DNS name without
    its trailing dot. Anything else is refused (HostError), never guessed at: Python's resolver encodes a
    non-ASCII name with IDNA nameprep (`upload\xads` -> `uploads`, `\xba` -> `o`), so a name a deny rule
    did not match would resolve to the denied one; glibc reads `2130706433`, `0x7f.1` or `127.1` as IPv4
    addresses, which must be checked as literals, not offered as names. IDN names come as `xn--` labels."""
    text = host.lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    literal = _ip(text)
    if literal is not None:
        return str(literal)
    if text.endswith("."):
        text = text[:-1]
    if not text or len(text) > 253 or not text.isascii():
        raise HostError(f"{host!r} is not an ASCII host name (IDN names must be sent as xn-- labels)")
    labels = text.split(".")
    if not all(_LABEL.match(label) for label in labels):
        raise HostError(f"{host!r} is not a host name (letters, digits, '-', '_' in dot-separated labels)")
    if _NUMERIC_LABEL.match(labels[-1]):
        raise HostError(f"{host!r} is an IPv4 address in a non-standard form; write it as a.b.c.d")
    return text


def unwrap(address: Address) -> Address:
    """The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d) reaches: rules compare that one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _ip(text: str) -> Address | None:
    try:
        return unwrap(ipaddress.ip_address(text))
    except ValueError:
        return None


def ip_literal(host: str) -> Address | None:
    return _ip(normalise_host(host))


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
        if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) < 65536:
            raise RuleError(f"egress rule {text!r}: the port must be 1-65535")
        port = int(port_text)
    host = normalise_host(host)
    if port is not None and _ip(host) is not None:
        # An address is matched by address rules, which take no port: `127.0.0.1:8080` would be accepted
        # here and then match nothing (every connection refused) while the person believes one port open.
        raise RuleError(f"egress rule {text!r}: an IP address rule takes no port; write {host} (every port "
                        "of that address) or a CIDR")
    wildcard = host.startswith("*.")
    name = host[2:] if wildcard else host
    try:
        if not name or "*" in name or canonical_host(name) != name:
            raise HostError(name)
    except HostError:
        raise RuleError(f"egress rule {text!r}: expected a host name, '*.domain', an IP address or a CIDR") \
            from None
    return HostRule(text=raw, suffix=name, wildcard=wildcard, port=port)


def special(address: Address) -> str | None:
    """Why an address is not public (refused unless an address rule names it), or None."""
    address = unwrap(address)
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
    if any(address in net for net in EMBEDS_IPV4):
        return "6to4/NAT64 address (it embeds an IPv4 address)"
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
        return Decision(False, "no-rule", f"{name} is not in sandbox.network.allow")

    def _literal(self, address: Address) -> Decision:
        address = unwrap(address)
        for net in self.deny_nets:
            if address in net:
                return Decision(False, f"deny {net}", "denied by rule")
        for net in self.allow_nets:
            if address in net:
                return Decision(True, f"allow {net}")
        return Decision(False, "ip-literal", "IP-literal targets need an address rule naming them")

    def address(self, address: Address) -> Decision:
        """May the proxy connect to this resolved address?"""
        address = unwrap(address)
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

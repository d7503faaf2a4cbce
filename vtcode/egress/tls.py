"""The server names (SNI) of a TLS ClientHello, read without decrypting anything: the first handshake
message of a CONNECT tunnel names the server the client means to talk to; the proxy compares it with
the CONNECT host.

The ClientHello is reassembled from as many handshake records as it was split into (TLS allows any
fragmentation, and servers reassemble): reading only the first record let a hello split in two pass
unchecked. A hello that cannot be read is `TlsError`, never "no name".
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_SNI_EXTENSION = 0
# Encrypted Client Hello (RFC 9849) and the draft ESNI: the real server name travels encrypted.
_ECH_EXTENSIONS = frozenset({0xFE0D, 0xFFCE})
MAX_HELLO = 64 * 1024


class TlsError(ValueError):
    """Bytes that start like TLS but are not a ClientHello the proxy can read."""


@dataclass(frozen=True)
class ClientHello:
    names: tuple[str, ...]  # every host_name in the server_name extension(s), as sent
    encrypted_name: bool  # an ECH / ESNI extension is present


def client_hello(data: bytes) -> ClientHello | None:
    """The ClientHello at the start of `data`; None while more bytes are needed. Raises TlsError for a
    record that is not a handshake, a handshake that is not a ClientHello, or one over MAX_HELLO."""
    message = bytearray()
    at = 0
    while True:
        if len(message) >= 4:
            if message[0] != 0x01:
                raise TlsError("the first handshake message is not a ClientHello")
            size = int.from_bytes(message[1:4], "big")
            if size > MAX_HELLO:
                raise TlsError(f"a ClientHello of {size} bytes")
            if len(message) >= 4 + size:
                return _parse(bytes(message[4:4 + size]))
        if len(data) < at + 5:
            return None
        kind, record_len = data[at], struct.unpack(">H", data[at + 3:at + 5])[0]
        if kind != 0x16:
            raise TlsError(f"a TLS record of type {kind} before the ClientHello was complete")
        if record_len == 0 or record_len > 16384 + 2048:
            raise TlsError(f"a TLS record of {record_len} bytes")
        if len(data) < at + 5 + record_len:
            return None
        message += data[at + 5:at + 5 + record_len]
        at += 5 + record_len


def client_hello_sni(data: bytes) -> str | None:
    """The first host name of a complete ClientHello at the start of `data`, else None (kept for callers
    that only want a name; the proxy uses `client_hello`)."""
    try:
        hello = client_hello(data)
    except TlsError:
        return None
    return hello.names[0] if hello and hello.names else None


def _parse(hello: bytes) -> ClientHello:
    try:
        at = 2 + 32  # version, random
        at += 1 + hello[at]  # session id
        at += 2 + struct.unpack(">H", hello[at:at + 2])[0]  # cipher suites
        at += 1 + hello[at]  # compression methods
        if at == len(hello):
            return ClientHello((), False)  # no extensions at all
        end = at + 2 + struct.unpack(">H", hello[at:at + 2])[0]
        if end > len(hello):
            raise TlsError("the ClientHello's extensions run past its end")
        at += 2
        names: list[str] = []
        encrypted = False
        while at + 4 <= end:
            kind, size = struct.unpack(">HH", hello[at:at + 4])
            at += 4
            body = hello[at:at + size]
            if len(body) != size:
                raise TlsError("a ClientHello extension runs past its end")
            if kind == _SNI_EXTENSION:
                names += _server_names(body)
            elif kind in _ECH_EXTENSIONS:
                encrypted = True
            at += size
        if at != end:
            raise TlsError("trailing bytes after the ClientHello's extensions")
        return ClientHello(tuple(names), encrypted)
    except (IndexError, struct.error) as exc:
        raise TlsError(f"a malformed ClientHello ({exc})") from None


def _server_names(body: bytes) -> list[str]:
    total = struct.unpack(">H", body[:2])[0]
    if total + 2 != len(body):
        raise TlsError("a malformed server_name extension")
    names = []
    pos = 2
    while pos < len(body):
        name_type, name_len = body[pos], struct.unpack(">H", body[pos + 1:pos + 3])[0]
        raw = body[pos + 3:pos + 3 + name_len]
        if len(raw) != name_len:
            raise TlsError("a malformed server_name entry")
        if name_type != 0:
            raise TlsError(f"a server_name entry of type {name_type}")
        try:
            names.append(raw.decode("ascii"))
        except UnicodeDecodeError:
            raise TlsError("a server name that is not ASCII") from None
        pos += 3 + name_len
    return names

"""The server name (SNI) of a TLS ClientHello, read without decrypting anything: the first record of a
CONNECT tunnel names the server the client means to talk to; the proxy compares it with the CONNECT host."""

from __future__ import annotations

import struct

_SNI_EXTENSION = 0


def client_hello_sni(data: bytes) -> str | None:
    """The host name in a complete ClientHello at the start of `data`; None when the record is incomplete,
    not a ClientHello, or names no server. Malformed input never raises."""
    try:
        return _parse(data)
    except (IndexError, struct.error, UnicodeDecodeError):
        return None


def _parse(data: bytes) -> str | None:
    if len(data) < 5 or data[0] != 0x16:
        return None
    record_len = struct.unpack(">H", data[3:5])[0]
    body = data[5:5 + record_len]
    if len(body) < record_len or not body or body[0] != 0x01:  # incomplete, or not a ClientHello
        return None
    hello_len = int.from_bytes(body[1:4], "big")
    hello = body[4:4 + hello_len]
    at = 2 + 32  # version, random
    at += 1 + hello[at]  # session id
    at += 2 + struct.unpack(">H", hello[at:at + 2])[0]  # cipher suites
    at += 1 + hello[at]  # compression methods
    if at + 2 > len(hello):
        return None
    end = at + 2 + struct.unpack(">H", hello[at:at + 2])[0]
    at += 2
    while at + 4 <= end:
        kind, size = struct.unpack(">HH", hello[at:at + 4])
        at += 4
        if kind == _SNI_EXTENSION:
            names = hello[at:at + size]
            pos = 2
            while pos + 3 <= len(names):
                name_type, name_len = names[pos], struct.unpack(">H", names[pos + 1:pos + 3])[0]
                if name_type == 0:
                    return names[pos + 3:pos + 3 + name_len].decode("ascii")
                pos += 3 + name_len
            return None
        at += size
    return None

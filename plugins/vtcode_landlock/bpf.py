"""A tiny classic-BPF assembler with forward labels, enough for a seccomp filter.

Classic BPF jumps only forward, by an 8-bit offset for conditional jumps; `assemble` checks both so a
filter that grew too long fails at build time in the parent, never silently in the kernel.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS: load a 32-bit word of seccomp_data
JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K (unsigned)
JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K: jump if A & k
AND_K = 0x54  # BPF_ALU | BPF_AND | BPF_K
RET_K = 0x06  # BPF_RET | BPF_K

Target = str | None  # a label, or None to fall through to the next instruction


@dataclass
class Program:
    """Instructions in order; jump targets are labels resolved by `assemble`."""

    _code: list[tuple[int, Target, Target, int]] = field(default_factory=list)
    _labels: dict[str, int] = field(default_factory=dict)

    def label(self, name: str) -> None:
        if name in self._labels:
            raise ValueError(f"BPF label {name!r} defined twice")
        self._labels[name] = len(self._code)

    def load(self, offset: int) -> None:
        self._code.append((LD_W_ABS, None, None, offset))

    def and_(self, mask: int) -> None:
        self._code.append((AND_K, None, None, mask))

    def jeq(self, value: int, true: Target, false: Target = None) -> None:
        self._code.append((JEQ_K, true, false, value))

    def jge(self, value: int, true: Target, false: Target = None) -> None:
        self._code.append((JGE_K, true, false, value))

    def jset(self, mask: int, true: Target, false: Target = None) -> None:
        self._code.append((JSET_K, true, false, mask))

    def ret(self, action: int) -> None:
        self._code.append((RET_K, None, None, action))

    def _offset(self, index: int, target: Target) -> int:
        if target is None:
            return 0
        if target not in self._labels:
            raise ValueError(f"BPF label {target!r} is never defined")
        offset = self._labels[target] - index - 1
        if not 0 <= offset <= 255:
            raise ValueError(f"BPF jump to {target!r} is {offset} instructions: must be forward and <= 255")
        return offset

    def assemble(self) -> bytes:
        """struct sock_filter[] in native byte order: u16 code, u8 jt, u8 jf, u32 k."""
        if len(self._code) > 4096:  # BPF_MAXINSNS
            raise ValueError(f"BPF program of {len(self._code)} instructions exceeds the kernel's 4096")
        return b"".join(
            struct.pack("=HBBI", code, self._offset(i, jt), self._offset(i, jf), k & 0xFFFFFFFF)
            for i, (code, jt, jf, k) in enumerate(self._code)
        )

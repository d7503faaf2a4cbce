"""`env -S STRING` (the shebang helper) splits STRING into arguments with rules of its own."""

from __future__ import annotations

_SPACE = " \t\n\v\f\r"
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "_": " ", "#": "#", "$": "$", "f": "\f", "n": "\n", "r": "\r"}
_ESCAPES |= {"t": "\t", "v": "\v"}


def split_env_string(text: str) -> list[str] | None:
    """The arguments GNU env makes of `-S text`, or None when it would expand ${VAR} (unknowable) or the
    text is malformed. Unlike a shell, `;` `|` `$(` are plain characters here."""
    args: list[str] = []
    current: list[str] | None = None
    quote = ""
    i = 0
    while i < len(text):
        char = text[i]
        if not quote and char in _SPACE:
            if current is not None:
                args.append("".join(current))
            current = None
            i += 1
            continue
        if current is None:
            if char == "#":  # a comment runs to the end of the string
                break
            current = []
        if char == quote:
            quote = ""
        elif not quote and char in "'\"":
            quote = char
        elif char == "$" and quote != "'":
            return None  # ${VAR} is expanded from the environment; a bare $ is an error
        elif char == "\\" and not (quote == "'" and text[i + 1 : i + 2] not in ("\\", "'")):
            if i + 1 >= len(text):
                return None
            escape = text[i + 1]
            if escape == "c" and not quote:  # \c ends the string
                current = current or None
                break
            if escape not in _ESCAPES:
                return None
            current.append(_ESCAPES[escape])
            i += 1
        else:
            current.append(char)
        i += 1
    if quote:
        return None
    if current is not None:
        args.append("".join(current))
    return args

"""Shell string -> every simple command it would run, for the command policy.

A hostile model proposes shell strings; the policy must see each program the string could start (through
`&&`, pipes, `$(...)`, `bash -c`, `sudo`, `find -exec` ...) and decide on the strictest. `problems` lists what
cannot be reasoned about statically; when it is non-empty the caller must never allow.
"""

from .api import parse_argv, parse_shell
from .model import ParseResult, Redirect, SimpleCommand

__all__ = ["ParseResult", "Redirect", "SimpleCommand", "parse_argv", "parse_shell"]

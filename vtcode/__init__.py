"""vtcode: a security-first AI coding agent for the terminal.

This module stays import-free: `vtcode --version` must not pay for anything.
"""

__version__ = "0.1.0"

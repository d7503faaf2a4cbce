"""Everything vtcode writes to a person's terminal goes through here: `neutral` makes untrusted text inert,
`gate` keeps a prompt alone on the screen while it waits for an answer."""

from .gate import TerminalGate, terminal_gate
from .neutral import neutral, neutral_block, neutral_json_line, neutralised_count

__all__ = [
    "TerminalGate",
    "neutral",
    "neutral_block",
    "neutral_json_line",
    "neutralised_count",
    "terminal_gate",
]

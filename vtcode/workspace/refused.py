"""The jail's internal refusal: a reason and what was learnt so far; `Jail` turns it into PathDenied."""

from __future__ import annotations


class Refused(Exception):
    """Raised by the jail's parts, which see only pieces of a path; the jail adds the path it was given."""

    def __init__(self, reason: str, *, resolved: str | None = None, secret: bool = False,
                 protected: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resolved = resolved
        self.secret = secret
        self.protected = protected

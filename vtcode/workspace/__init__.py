"""The workspace: its fixed root and whether the user trusts it."""

from .root import resolve_root
from .trust import TRUST_MARKER, TrustState, check_trust, revoke_trust, write_trust

__all__ = ["TRUST_MARKER", "TrustState", "check_trust", "resolve_root", "revoke_trust", "write_trust"]

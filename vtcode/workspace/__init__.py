"""The workspace: its fixed root, whether the user trusts it, and the jail every path goes through."""

from .credentials import is_secret_path
from .jail import Jail, PathVerdict
from .root import resolve_root
from .trust import TRUST_MARKER, TrustState, check_trust, revoke_trust, write_trust

__all__ = [
    "TRUST_MARKER",
    "Jail",
    "PathVerdict",
    "TrustState",
    "check_trust",
    "is_secret_path",
    "resolve_root",
    "revoke_trust",
    "write_trust",
]

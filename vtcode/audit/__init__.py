"""Reading audit logs: verify their hash chain, show the newest events, re-decide recorded actions."""

from .verify import LogReport, verify_logs

__all__ = ["LogReport", "verify_logs"]

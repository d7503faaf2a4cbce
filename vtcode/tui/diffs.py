"""The change a file tool would make: shared with the terminal prompt (vtcode/approvals/preview.py)."""

from vtcode.approvals.preview import edit_diff

__all__ = ["edit_diff"]

"""Running tools: validate arguments, ask the policy, ask a human when it says so, run, record."""

from .runner import ToolRunner

__all__ = ["ToolRunner"]

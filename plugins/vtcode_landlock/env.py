"""The environment a confined child gets: one scrub for every backend, kept in the core
(vtcode/sandbox/envscrub.py) so Landlock and Seatbelt remove the same variables."""

from vtcode.api import is_sensitive, scrub_env

__all__ = ["is_sensitive", "scrub_env"]

"""Helpers for tests: real wheels, real installs, real processes."""

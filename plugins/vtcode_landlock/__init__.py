"""Kernel confinement for vtcode on Linux: Landlock, seccomp, a mount namespace for protected paths, rlimits.

Everything is built in the parent (rulesets, BPF, mount plans) so that the forked child only issues
syscalls before exec. The backend that registers this with vtcode's hooks lives elsewhere; see
docs/decisions/0201-linux-sandbox.md for the choices and their reasons.
"""

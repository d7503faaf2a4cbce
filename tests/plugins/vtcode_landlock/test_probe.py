"""probe(): what this machine enforces, as JSON."""

from __future__ import annotations

import json
import sys

import pytest
from vtcode_landlock.probe import probe, userns_available

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the probe measures Linux kernel features")


def test_probe_reports_this_machine_and_is_json() -> None:
    report = probe()
    assert json.loads(json.dumps(report)) == report
    # This machine: kernel 6.18, Landlock ABI 7, seccomp, user namespaces. Absence must fail, not skip.
    assert isinstance(report["landlock_abi"], int)
    assert report["landlock_abi"] >= 1
    assert report["seccomp"] is True
    assert report["no_new_privs"] is True
    assert report["mount_namespace"] is True


def test_user_namespaces_detected() -> None:
    assert userns_available() is True

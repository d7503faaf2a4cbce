"""Landlock ABI detection and access masks, against this machine's kernel."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from vtcode_landlock.errors import SandboxUnavailable
from vtcode_landlock.landlock import (
    FILE_ACCESS,
    READ,
    WRITE,
    FsAccess,
    NetAccess,
    Ruleset,
    Scope,
    abi_version,
    fs_access,
    net_access,
    scopes,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Landlock is a Linux kernel feature")


def test_kernel_has_landlock() -> None:
    # On Linux this must fail, not skip: a kernel without Landlock means vtcode cannot confine anything.
    assert abi_version() >= 1, "Landlock is missing or disabled (lsm= boot parameter)"


@pytest.mark.parametrize(("abi", "last_right"), [
    (1, FsAccess.MAKE_SYM), (2, FsAccess.REFER), (3, FsAccess.TRUNCATE), (4, FsAccess.TRUNCATE),
    (5, FsAccess.IOCTL_DEV), (7, FsAccess.IOCTL_DEV),
])
def test_fs_rights_per_abi(abi: int, last_right: FsAccess) -> None:
    rights = fs_access(abi)
    assert last_right in rights
    assert rights == (last_right << 1) - 1  # contiguous: every earlier right is included


def test_net_and_scope_per_abi() -> None:
    assert net_access(3) == 0
    assert net_access(4) == NetAccess.BIND_TCP | NetAccess.CONNECT_TCP
    assert scopes(5) == 0
    assert scopes(6) == Scope.ABSTRACT_UNIX_SOCKET | Scope.SIGNAL


def test_masks_keep_device_creation_out_and_write_implies_read() -> None:
    assert READ & WRITE == READ
    assert not WRITE & (FsAccess.MAKE_CHAR | FsAccess.MAKE_BLOCK)
    assert not FILE_ACCESS & (FsAccess.READ_DIR | FsAccess.MAKE_REG | FsAccess.REFER)


def test_ruleset_is_cloexec_and_skips_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    ruleset = Ruleset(abi_version())
    ruleset.allow_read(str(tmp_path))
    ruleset.allow_write(str(tmp_path / "file"))  # a file rule: directory rights must be masked off
    ruleset.allow_read(str(tmp_path / "missing"))
    created = ruleset.create()
    try:
        assert os.get_inheritable(created.fd) is False
        assert created.plan.skipped == (str(tmp_path / "missing"),)
    finally:
        created.close()


def test_ruleset_refuses_a_kernel_without_landlock() -> None:
    with pytest.raises(SandboxUnavailable, match="Landlock is not available"):
        Ruleset(0).create()

"""Landlock on real children: what the workspace, home, neighbours and system trees let through.

Fixtures (confine, child, run...) come from conftest.py; they are typed Any because pytest's rootdir
conftest shadows ours as a module name.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
from vtcode_landlock.defaults import SYSTEM_READ_PATHS, home_secret_paths, system_secret_paths
from vtcode_landlock.hardlinks import find_outside_hardlinks

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Landlock is a Linux kernel feature")


def test_write_inside_workspace_works_and_outside_fails(
    confine: Any, child: Any, workspace: Path, outside: Path, private_tmp: Path
) -> None:
    got = child(confine(), f"""
        attempt("ws", lambda: open("{workspace}/new.txt", "w").write("x"))
        attempt("tmp", lambda: open("{private_tmp}/scratch", "w").write("x"))
        attempt("mkdir_rm", lambda: (os.mkdir("{workspace}/d"), os.rmdir("{workspace}/d")))
        attempt("outside", lambda: open("{outside}/new.txt", "w").write("x"))
        attempt("outside_read", lambda: open("{outside}/secret.txt").read())
        attempt("host_tmp", lambda: open("/tmp/vtcode-landlock-escape", "w").write("x"))
        attempt("etc", lambda: open("/etc/hostname", "a").write("x"))
    """)
    # Writes outside the writable roots meet the read-only mount first (EROFS), Landlock second.
    assert got == {"ws": "ok", "tmp": "ok", "mkdir_rm": "ok", "outside": "EROFS", "outside_read": "EACCES",
                   "host_tmp": "EROFS", "etc": "EROFS"}
    assert (workspace / "new.txt").read_text() == "x"
    assert not (outside / "new.txt").exists()


def test_symlink_planted_in_workspace_does_not_reach_outside(
    confine: Any, child: Any, workspace: Path, outside: Path
) -> None:
    # Landlock checks the resolved file, not the name the child used.
    (workspace / "link").symlink_to(outside / "secret.txt")
    (workspace / "dirlink").symlink_to(outside)
    got = child(confine(), f"""
        attempt("write", lambda: open("{workspace}/link", "a").write("pwned"))
        attempt("read", lambda: open("{workspace}/link").read())
        attempt("create_via_dir", lambda: open("{workspace}/dirlink/new", "w").write("x"))
        attempt("plant_new_link", lambda: os.symlink("/etc/passwd", "{workspace}/l2"))
        attempt("write_new_link", lambda: open("{workspace}/l3", "w") if os.symlink("{outside}/secret.txt",
                "{workspace}/l3") is None else None)
    """)
    assert got == {"write": "EROFS", "read": "EACCES", "create_via_dir": "EROFS", "plant_new_link": "ok",
                   "write_new_link": "EROFS"}
    assert (outside / "secret.txt").read_text() == "outside secret\n"


def test_hard_link_to_outside_file_cannot_be_made_inside(
    confine: Any, child: Any, workspace: Path, outside: Path
) -> None:
    # link() needs REFER on the source's tree; neither an ungranted nor a read-only tree has it: EXDEV.
    got = child(confine(), f"""
        attempt("from_outside", lambda: os.link("{outside}/secret.txt", "{workspace}/hl"))
        attempt("from_readonly", lambda: os.link("/etc/hostname", "{workspace}/hl2"))
        attempt("rename_in", lambda: os.rename("{outside}/secret.txt", "{workspace}/moved"))
        open("{workspace}/a", "w").write("a")
        os.mkdir("{workspace}/sub")
        attempt("within_workspace", lambda: os.link("{workspace}/a", "{workspace}/sub/a"))
    """)
    # rename() into the workspace now crosses mounts (the workspace is its own bind mount): EXDEV.
    assert got == {"from_outside": "EXDEV", "from_readonly": "EXDEV", "rename_in": "EXDEV",
                   "within_workspace": "ok"}


def test_pre_existing_hard_link_is_a_kernel_gap_the_scanner_finds(
    confine: Any, child: Any, workspace: Path, outside: Path
) -> None:
    # Landlock is path-based: a link made before the sandbox is as writable as any workspace file.
    # The kernel cannot tell; find_outside_hardlinks can, and protecting the name closes it (EROFS).
    os.link(outside / "secret.txt", workspace / "victim")
    assert find_outside_hardlinks(str(workspace)) == [str(workspace / "victim")]
    got = child(confine(), f'attempt("write", lambda: open("{workspace}/victim", "a").write("x"))')
    assert got == {"write": "ok"}
    assert (outside / "secret.txt").read_text() == "outside secret\nx"

    protected = confine(protected_paths=tuple(find_outside_hardlinks(str(workspace))))
    got = child(protected, f'attempt("write", lambda: open("{workspace}/victim", "a").write("y"))')
    assert got == {"write": "EROFS"}
    assert (outside / "secret.txt").read_text() == "outside secret\nx"


def test_hard_links_wholly_inside_the_tree_are_not_reported(workspace: Path) -> None:
    (workspace / "a").write_text("a")
    os.link(workspace / "a", workspace / "b")
    assert find_outside_hardlinks(str(workspace)) == []


def test_home_secrets_hidden_while_siblings_stay_readable(
    confine: Any, child: Any, fake_home: Path
) -> None:
    conf = confine(read_paths=(*SYSTEM_READ_PATHS, str(fake_home)),
                   hidden_paths=(*system_secret_paths(), *home_secret_paths(str(fake_home))))
    got = child(conf, f"""
        attempt("id_rsa", lambda: open("{fake_home}/.ssh/id_rsa").read())
        attempt("ssh_dir", lambda: os.listdir("{fake_home}/.ssh"))
        attempt("gh", lambda: open("{fake_home}/.config/gh/hosts.yml").read())
        attempt("bashrc", lambda: open("{fake_home}/.bashrc").read())
        attempt("git_config", lambda: open("{fake_home}/.config/git/config").read())
        attempt("cache", lambda: open("{fake_home}/.cache/tool/data").read())
        attempt("write_bashrc", lambda: open("{fake_home}/.bashrc", "a").write("x"))
        attempt("create_in_home", lambda: open("{fake_home}/new", "w"))
    """)
    assert got == {"id_rsa": "EACCES", "ssh_dir": "EACCES", "gh": "EACCES", "bashrc": "ok",
                   "git_config": "ok", "cache": "ok", "write_bashrc": "EROFS", "create_in_home": "EROFS"}


def test_home_is_unreadable_by_default(confine: Any, child: Any, fake_home: Path) -> None:
    got = child(confine(), f"""
        attempt("bashrc", lambda: open("{fake_home}/.bashrc").read())
        attempt("list", lambda: os.listdir("{fake_home}"))
    """)
    assert got == {"bashrc": "EACCES", "list": "EACCES"}


def test_neighbouring_workspace_is_unreadable(
    confine: Any, child: Any, tmp_path: Path
) -> None:
    neighbour = tmp_path / "other-ws"
    neighbour.mkdir()
    (neighbour / "main.py").write_text("API_KEY = 'x'\n")
    got = child(confine(), f"""
        attempt("read", lambda: open("{neighbour}/main.py").read())
        attempt("list", lambda: os.listdir("{neighbour}"))
        attempt("list_parent", lambda: os.listdir("{tmp_path}"))
    """)
    assert got == {"read": "EACCES", "list": "EACCES", "list_parent": "EACCES"}


def test_system_secrets_hidden_even_from_root(confine: Any, child: Any) -> None:
    got = child(confine(), """
        attempt("shadow", lambda: open("/etc/shadow").read())
        attempt("passwd", lambda: open("/etc/passwd").read())
        attempt("self_status", lambda: open("/proc/self/status").read())
    """)
    # Root reads /etc/shadow through DAC; Landlock hides it.
    assert got == {"shadow": "EACCES", "passwd": "ok", "self_status": "ok"}


def test_granting_a_single_file_uses_file_rights_only(
    confine: Any, child: Any, outside: Path
) -> None:
    # Directory-only rights on a file rule are EINVAL in the kernel; the builder masks them off.
    conf = confine(write_paths=(str(outside / "secret.txt"),))
    got = child(conf, f"""
        attempt("append", lambda: open("{outside}/secret.txt", "a").write("x"))
        attempt("sibling", lambda: open("{outside}/other", "w"))
    """)
    assert got == {"append": "ok", "sibling": "EROFS"}


def test_devices_stay_usable_but_no_other_terminal_is_reachable(confine: Any, child: Any) -> None:
    # Any device outside the granted set: the kernel log, raw memory, a disk. And the user's other
    # terminals: /dev/pts is not granted (a command could read what is typed in another one), so a
    # command cannot open one, nor make a new pseudo-terminal (the documented cost); its own terminal
    # reaches it as fds 0-2 and /dev/tty.
    candidates = ("/dev/kmsg", "/dev/mem", "/dev/loop0", "/dev/sda", "/dev/vda")
    device = next(d for d in candidates if os.path.exists(d))
    master, slave = os.openpty()  # "another terminal" of the same user
    try:
        got = child(confine(), f"""
            attempt("null", lambda: open("/dev/null", "w").write("x"))
            attempt("urandom", lambda: open("/dev/urandom", "rb").read(8))
            attempt("other_terminal", lambda: open("{os.ttyname(slave)}", "rb"))
            attempt("new_pty", lambda: os.openpty())
            attempt("stdout", lambda: open("/dev/stdout", "w").write(""))
            attempt("device", lambda: open("{device}", "rb"))
        """)
    finally:
        os.close(master)
        os.close(slave)
    assert got == {"null": "ok", "urandom": "ok", "other_terminal": "EACCES", "new_pty": "EACCES",
                   "stdout": "ok", "device": "EACCES"}

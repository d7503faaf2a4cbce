"""The second outside review of the Seatbelt profile (R17-2): each way around it, evaluated.

Every test here failed against the profile before its fix (the review's REPORT names the finding:
N1 terminals, N3 precedence, N4 alternates, N5 size, N7 the git program, N8 ACLs, N9 getifaddrs,
N10 the environment, N11 set-id bits, N13 interpreters under the home).
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers.sbpl import Request, parse
from vtcode_seatbelt.backend import SeatbeltBackend, scrub
from vtcode_seatbelt.plan import plan_for
from vtcode_seatbelt.profile import build_profile

from .conftest import World, make_world
from .test_semantics import READS, WRITES, _fill

PTY = "com.apple.sandbox.pty"


def test_a_pty_vtcode_made_keeps_its_ioctls_and_openpty_opens_only_its_own_slave(world: World) -> None:
    # shell_session: the PTY's slave is fds 0-2, opened before the profile applied. Its ioctls (isatty,
    # raw mode, window size) are checked against /dev/ttysNNN; Codex, Gemini CLI and sandbox-runtime
    # found them denied without a rule.
    on_pty = world.profile(terminal=True)
    assert on_pty.allows("file-ioctl", "/dev/ttys003")
    # ... but no other terminal is opened by name (reading one steals what is typed there).
    for op in ("file-read-data", "file-write-data"):
        assert not on_pty.allows(op, "/dev/ttys003")
    # Pipe runs: their descriptors may be the user's own terminal (TIOCSTI would type into it).
    assert not world.profile().allows("file-ioctl", "/dev/ttys003")
    # openpty() inside the sandbox opens the new slave by name: allowed for slaves carrying the
    # extension pseudo-tty issues to their maker (Codex), never for another terminal.
    for profile in (on_pty, world.profile()):
        for op in ("file-read-data", "file-write-data", "file-ioctl"):
            assert profile.decide(Request(op, "/dev/ttys009", extensions=frozenset({PTY}))) == "allow"
            if profile is on_pty and op == "file-ioctl":
                continue  # a descriptor held already: allowed above
            assert profile.decide(Request(op, "/dev/ttys009", extensions=frozenset({"other"}))) == "deny"
        assert profile.allows("pseudo-tty")


def test_no_acl_and_no_set_id_bits_anywhere(world: World, new_world: World) -> None:
    # A deny ACE ("everyone deny delete") on what the command made would make the core's quarantine and
    # restore fail, as an immutable flag would (F1); set-id bits are Linux's invariant 5 (seccomp).
    for mode in ("workspace-write", "full-access"):
        profile = world.profile(mode=mode)
        for path in ("{ws}/src/main.py", "{ws}/later/.git/HEAD", "{tmp}/x", "{ws}/.git/objects/ab/cd"):
            assert not profile.allows("file-write-acl", _fill(world, path)), (mode, path)
            assert not profile.allows("file-write-setugid", _fill(world, path)), (mode, path)
        assert profile.allows("file-write-mode", _fill(world, "{ws}/run.sh"))  # chmod +x still works
    fresh = new_world.profile()  # `git init` at the root: hooks/ is writable, the core removes hooks after
    assert fresh.allows("file-write-create", f"{new_world.ws}/.git/hooks/post-checkout")
    assert not fresh.allows("file-write-acl", f"{new_world.ws}/.git/hooks/post-checkout")


def test_alternates_cannot_be_planted_by_moving_objects_out_and_back(world: World) -> None:
    # `mv .git/objects $TMPDIR/o; echo ... > $TMPDIR/o/info/alternates; mv $TMPDIR/o .git/objects` (or a
    # symlink named objects): the directories holding the denied file may not be unlinked or made.
    profile = world.profile()
    for git_dir in ("{ws}/.git", "{ws}/vendor/lib/.git", "{ws}/.git/modules/libs/m"):
        for rel in ("objects", "objects/info", "Objects", "OBJECTS/Info"):
            for op in ("file-write-unlink", "file-write-create"):
                assert not profile.allows(op, _fill(world, f"{git_dir}/{rel}")), (op, git_dir, rel)
        # git still writes objects and packs
        assert profile.allows("file-write-create", _fill(world, f"{git_dir}/objects/ab/cdef"))
        assert profile.allows("file-write-create", _fill(world, f"{git_dir}/objects/pack/p.pack"))
        assert profile.allows("file-write-unlink", _fill(world, f"{git_dir}/objects/ab"))
        assert not profile.allows("file-write-create", _fill(world, f"{git_dir}/objects/info/alternates"))


def test_the_profile_means_the_same_under_either_precedence(world: World) -> None:
    # If Seatbelt consults rules naming an operation before rules naming only its class, an early
    # `(allow file-read-metadata ...)` would beat a later `(deny file-read* ...)`: every case of the main
    # tables must come out the same under that reading too.
    cases = [*WRITES, *READS, ("file-read-metadata", "{home}/.ssh/id_rsa", False),
             ("file-read-xattr", "{home}/.ssh/id_rsa", False),
             ("file-read-metadata", "/System/Volumes/Data{home}/.ssh/id_rsa", False)]
    for mode in ("workspace-write", "full-access"):
        profile = world.profile(precedence="specific-first", mode=mode)
        plain = world.profile(mode=mode)
        wrong = [(op, path) for op, path, _ in cases
                 if profile.allows(op, _fill(world, path)) is not plain.allows(op, _fill(world, path))]
        assert wrong == [], mode
    profile = world.profile(precedence="specific-first")
    wrong = [(op, path, expected) for op, path, expected in cases
             if profile.allows(op, _fill(world, path)) is not expected]
    assert wrong == []


def test_many_repositories_fit_sandbox_execs_argv(tmp_path: Path) -> None:
    # macOS's kern.argmax (1 MiB) bounds argv and environment together; the profile and its -D
    # parameters are argv. A directory holding many repositories (~/src) must still start a command.
    world = make_world(tmp_path)
    for i in range(120):
        git_dir = world.ws / f"p{i:03d}" / ".git"
        (git_dir / "objects").mkdir(parents=True)
        (git_dir / "refs").mkdir()
        (git_dir / "HEAD").write_text("ref: refs/heads/main\n")
    plan = world.plan()
    assert len(plan.git_dirs) > 120
    built = build_profile(plan)
    argv = built.sandbox_exec_argv(("/bin/true",))
    size = sum(len(a.encode()) + 1 for a in argv)
    assert size < 512 * 1024, size
    # ... and every one of them is still guarded and still works.
    profile = world.profile()
    for i in (0, 119):
        assert not profile.allows("file-write-data", f"{world.ws}/p{i:03d}/.git/config")
        assert not profile.allows("file-write-create", f"{world.ws}/p{i:03d}/.git/hooks/pre-commit")
        assert not profile.allows("file-write-unlink", f"{world.ws}/p{i:03d}")
        assert profile.allows("file-write-create", f"{world.ws}/p{i:03d}/.git/objects/ab/cd")
        assert profile.allows("file-write-create", f"{world.ws}/p{i:03d}/.git/index.lock")
        assert profile.allows("file-write-create", f"{world.ws}/p{i:03d}/.git/tmp_obj_XyZ")
        assert not profile.allows("file-write-create", f"{world.ws}/p{i:03d}/.git/config.lock")


def test_getifaddrs_works_for_node(world: World) -> None:
    # Node's os.networkInterfaces() (dev servers print their address at start) reads the interface list
    # through the routing sysctl (Codex allows the prefix for it); other process's arguments stay closed.
    profile = world.profile()
    assert profile.allows("sysctl-read", sysctl="net.routetable.0.0.3.0")
    assert not profile.allows("sysctl-read", sysctl="kern.procargs2")


def test_the_git_write_set_is_exact_case_and_names_only_git_state(world: World) -> None:
    # One regex per repository now carries the write set: it must allow no other spelling and nothing
    # beside git's state (allows are never folded: on a case-sensitive volume `Config` is another file).
    profile = world.profile()
    for rel in ("Index", "INDEX.lock", "Objects/ab/cd", "config", "configX", "hooks/x", "index.lockx",
                "HEADX", "refsX/a", "description", "info/exclude", "objectsX"):
        assert not profile.allows("file-write-create", f"{world.ws}/.git/{rel}"), rel
    for rel in ("index", "index.lock", "HEAD", "MERGE_HEAD.lock", "refs/heads/a", "logs/HEAD", "gc.pid",
                "sharedindex.0a1b", "next-index-42.lock", "fsmonitor--daemon.ipc"):
        assert profile.allows("file-write-create", f"{world.ws}/.git/{rel}"), rel
    assert os.path.isdir(world.ws / ".git")


def test_a_workspace_venv_runs_its_interpreter_under_the_home_without_being_on_path(world: World) -> None:
    # `.venv/bin/python -> ~/.local/share/uv/python/.../python3.12` (uv's default), run as
    # `.venv/bin/python -m pytest` or `uv run` without activating: the interpreter must load (N13).
    request = world.request().model_copy(update={"env": {"PATH": "/usr/bin:/bin"}})
    plan = plan_for(request, home=str(world.home), tmp_dir=str(world.tmp))
    built = build_profile(plan)
    profile = parse(built.text, built.params)
    interpreter = f"{world.home}/.local/share/uv/python/cpython-3.12/bin/python3.12"
    for op in ("file-read-data", "file-map-executable"):
        assert profile.allows(op, interpreter)
        assert profile.allows(op, f"{world.home}/.pyenv/versions/3.12.1/bin/python3")
    # Granted by fixed names, not by what a venv's pyvenv.cfg says; the rest of the home stays closed.
    for path in ("{home}/Documents/taxes.pdf", "{home}/.local/share/keyrings/login.keyring",
                 "{home}/.ssh/id_rsa", "{home}/.local/share/other-app/token"):
        assert not profile.allows("file-read-data", _fill(world, path)), path


def test_the_environment_is_scrubbed_like_on_linux() -> None:
    # N10: the Seatbelt backend had a shorter list than Landlock's; now one scrub for both.
    env = {
        "PATH": "/usr/bin", "LANG": "C", "GIT_AUTHOR_NAME": "a", "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": "postgres://u:pw@db/x", "OP_SESSION_my": "t", "BW_SESSION": "t", "GITHUB_PAT": "t",
        "SENTRY_DSN": "https://k@s.io/1", "DOCKER_HOST": "tcp://127.0.0.1:2375", "KUBECONFIG": "/k",
        "ZDOTDIR": "/z", "PROMPT_COMMAND": "x", "JAVA_TOOL_OPTIONS": "-javaagent:x", "PERL5OPT": "-Mx",
        "RUBYOPT": "-rx", "INPUTRC": "/x", "SSH_AUTH_SOCK": "/s", "DYLD_INSERT_LIBRARIES": "/x",
    }
    assert scrub(env) == {"PATH": "/usr/bin", "LANG": "C", "GIT_AUTHOR_NAME": "a", "PYTHONUNBUFFERED": "1"}


def test_full_access_cannot_replace_the_users_git_program(tmp_path: Path) -> None:
    # Homebrew's git is the user's: full-access could swap the binary, a `git-<subcommand>` or add a
    # hook to the template dir `git clone` copies into every new repository (N7).
    world = make_world(tmp_path)
    prefix = world.root / "opt/homebrew"
    cellar = prefix / "Cellar/git/2.45.0"
    for d in ("bin", "libexec/git-core", "share/git-core/templates/hooks"):
        (cellar / d).mkdir(parents=True)
    (cellar / "bin/git").write_text("#!/bin/sh\n")
    (cellar / "bin/git").chmod(0o755)
    (prefix / "bin").mkdir()
    (prefix / "bin/git").symlink_to(cellar / "bin/git")
    (prefix / "bin/python3").write_text("")
    request = world.request(mode="full-access").model_copy(
        update={"env": {"PATH": f"{prefix}/bin:/usr/bin:/bin"}})
    built = build_profile(plan_for(request, home=str(world.home), tmp_dir=str(world.tmp)))
    profile = parse(built.text, built.params)
    for path in (f"{cellar}/bin/git", f"{cellar}/libexec/git-core/git-commit", f"{prefix}/bin/git",
                 f"{cellar}/share/git-core/templates/hooks/post-checkout", f"{cellar}/BIN/GIT"):
        for op in ("file-write-data", "file-write-create", "file-write-unlink"):
            assert not profile.allows(op, path), (op, path)
    assert profile.allows("file-write-data", f"{prefix}/bin/python3")  # the rest stays full access
    assert profile.allows("file-write-data", f"{world.other}/main.py")


def test_only_a_terminal_request_gets_the_pty_ioctls_through_prepare(world: World) -> None:
    # The real path: shell_session asks for terminal=True and the backend's prepare() writes the rule.
    for terminal, expected in ((True, True), (False, False)):
        prepared = SeatbeltBackend().prepare(world.request().model_copy(update={"terminal": terminal}))
        try:
            text = prepared.argv[2]
            params = dict(a[2:].split("=", 1) for a in prepared.argv[3:] if a.startswith("-D"))
            assert parse(text, params).allows("file-ioctl", "/dev/ttys003") is expected
        finally:
            prepared.release()

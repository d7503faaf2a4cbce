"""The confined process itself: flags, capabilities, limits, environment, sessions, and real work.

Fixtures come from conftest.py (typed Any: the rootdir conftest shadows ours as a module name).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from vtcode_landlock.capabilities import KEEP
from vtcode_landlock.env import scrub_env
from vtcode_landlock.limits import ResourceLimits

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Landlock and seccomp are Linux features")


def _status(text: str) -> dict[str, str]:
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def test_no_new_privs_and_seccomp_filter_are_set(confine: Any, run: Any) -> None:
    result = run(confine(), ["/bin/cat", "/proc/self/status"])
    status = _status(result.stdout)
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"
    if os.geteuid() == 0:
        # root's exec'd program gets its bounding set: only file-ownership capabilities survive.
        expected = f"{sum(1 << c for c in KEEP):016x}"
        assert (status["CapBnd"], status["CapEff"], status["CapInh"]) == (expected, expected, "0" * 16)


def test_the_agents_own_memory_and_environment_are_out_of_reach(confine: Any, child: Any) -> None:
    # The agent process holds API keys in its environment and memory. /proc/<pid>/environ and mem need
    # ptrace access, which Landlock refuses across its domain boundary (even to root with DAC_OVERRIDE).
    parent = os.getpid()
    got = child(confine(), f"""
        attempt("environ", lambda: open("/proc/{parent}/environ", "rb").read())
        attempt("mem", lambda: open("/proc/{parent}/mem", "rb"))
        attempt("cwd", lambda: os.readlink("/proc/{parent}/cwd"))
        attempt("own_environ", lambda: open("/proc/self/environ", "rb").read())
    """)
    assert got == {"environ": "EACCES", "mem": "EACCES", "cwd": "EACCES", "own_environ": "ok"}


def test_audit_logging_flag_is_accepted(confine: Any, run: Any) -> None:
    assert run(confine(audit_log=True), ["/bin/true"]).returncode == 0


def test_environment_secrets_do_not_reach_the_child(confine: Any, run: Any, workspace: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workspace), "LANG": "C.UTF-8", "TERM": "xterm",
           "OPENAI_API_KEY": "sk-x", "GITHUB_TOKEN": "ghp_x", "AWS_SECRET_ACCESS_KEY": "x",
           "SSH_AUTH_SOCK": "/tmp/agent", "LD_PRELOAD": "/tmp/evil.so", "PYTHONSTARTUP": "/tmp/evil.py",
           "BASH_ENV": "/tmp/evil.sh", "GIT_CONFIG_COUNT": "1", "DATABASE_URL": "postgres://u:pw@db/x"}
    result = run(confine(), ["/usr/bin/env"], env=scrub_env(env))
    names = {line.split("=", 1)[0] for line in result.stdout.splitlines()}
    assert names == {"PATH", "HOME", "LANG", "TERM"}


def test_resource_limits_apply(confine: Any, child: Any) -> None:
    conf = confine(limits=ResourceLimits(file_size_bytes=4096, open_files=32))
    got = child(conf, f"""
        import resource
        print(f"core={{resource.getrlimit(resource.RLIMIT_CORE)}}")
        fd = os.open("{conf.spec.write_paths[0]}/big", os.O_WRONLY | os.O_CREAT)
        attempt("big_write", lambda: [os.write(fd, b"x" * 4096) for _ in range(2)])
        attempt("many_files", lambda: [open("/dev/null") for _ in range(64)])
        try:  # the hard limit was lowered too, and root lost CAP_SYS_RESOURCE: no way back up
            resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
            print("raise_back=ok")
        except ValueError:
            print("raise_back=refused")
    """)
    # CPython ignores SIGXFSZ, so the write fails with EFBIG instead of killing the child.
    assert got == {"core": "(0, 0)", "big_write": "EFBIG", "many_files": "EMFILE", "raise_back": "refused"}


# The command runs under its supervisor (a subreaper that leads the session or group): it is the
# supervisor's child, in the supervisor's new session or process group.
@pytest.mark.parametrize(("session", "check"), [
    ("session", "os.getsid(0) == os.getppid() == os.getpgid(0)"),
    ("process_group", "os.getpgid(0) == os.getppid() and os.getsid(0) != os.getppid()"),
    ("inherit", "os.getpgid(0) != os.getppid()"),
])
def test_session_and_process_group(confine: Any, child: Any, session: str, check: str) -> None:
    assert child(confine(session=session), f'print(f"check={{{check}}}")') == {"check": "True"}


def test_preexec_refuses_to_confine_the_parent(confine: Any) -> None:
    with pytest.raises(RuntimeError, match="preexec_fn"):
        confine().preexec()


def test_a_failing_step_fails_closed_and_says_why(confine: Any, workspace: Path, tmp_path: Path) -> None:
    (workspace / ".vtcode").mkdir()
    conf = confine(protected_paths=(f"{workspace}/.vtcode/",))
    (workspace / ".vtcode").rmdir()  # gone between planning and spawning: the bind mount must fail
    marker = workspace / "ran"
    with open(tmp_path / "stderr", "w") as err, pytest.raises(subprocess.SubprocessError):
        subprocess.run(["/bin/touch", str(marker)], preexec_fn=conf.preexec, stderr=err, check=False)
    assert not marker.exists()
    assert "sandbox step 'mount namespace' failed" in (tmp_path / "stderr").read_text()


def test_ordinary_work_still_works(confine: Any, run: Any, workspace: Path) -> None:
    script = """
import asyncio, hashlib, json, multiprocessing, sqlite3, ssl, subprocess, tempfile, threading
assert json.loads("[1]") == [1]
db = sqlite3.connect(":memory:"); db.execute("create table t(x)")
asyncio.run(asyncio.sleep(0))
with tempfile.TemporaryDirectory() as d: open(d + "/f", "w").write("x")
with multiprocessing.Pool(2) as pool: assert pool.map(abs, [-1, -2]) == [1, 2]
assert subprocess.run(["/bin/echo", "hi"], capture_output=True).stdout == b"hi\\n"
print("python-ok")
"""
    result = run(confine(), ["/usr/bin/python3", "-c", script])
    assert result.stdout.strip() == "python-ok", result.stderr


def test_git_in_the_workspace(confine: Any, run: Any, workspace: Path) -> None:
    (workspace / "a.txt").write_text("a\n")
    script = ("git init -q && git add a.txt && git -c user.name=t -c user.email=t@e commit -qm init && "
              "git status --short && git log --oneline | wc -l")
    result = run(confine(protected_paths=(f"{workspace}/.git/hooks/", f"{workspace}/.git/config")),
                 ["/bin/sh", "-c", script])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_python_venv_in_the_workspace(confine: Any, run: Any, workspace: Path) -> None:
    result = run(confine(), ["/usr/bin/python3", "-m", "venv", "--without-pip", ".venv"])
    assert result.returncode == 0, result.stderr
    result = run(confine(), [".venv/bin/python", "-c", "import sys; print(sys.prefix)"])
    assert result.stdout.strip() == str(workspace / ".venv")


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to uid 65534 needs root; root is exempt from NPROC")
def test_process_limit_counts_only_this_sandbox_in_a_user_namespace(confine: Any, run: Any,
                                                                    nobody_repo: Path) -> None:
    # RLIMIT_NPROC is per uid. Set after the user namespace exists, it counts the namespace's processes:
    # four busy processes of the same uid in another sandbox do not eat into this one's budget.
    def conf(limit: int | None) -> Any:
        return confine(write_paths=(str(nobody_repo),), tmp_dir=None, limits=ResourceLimits(processes=limit),
                       protected_paths=(f"{nobody_repo}/.git/config",), session="process_group")

    nobody = {"cwd": nobody_repo, "user": 65534, "group": 65534, "extra_groups": []}
    busy = subprocess.Popen(["/bin/sh", "-c", "sleep 30 & sleep 30 & sleep 30 & wait"], cwd=nobody_repo,
                            preexec_fn=conf(None).preexec, user=65534, group=65534, extra_groups=[])
    try:
        forks = textwrap.dedent("""
            import os
            for i in range(2):
                pid = os.fork()
                if pid == 0:
                    os._exit(0)
                os.waitpid(pid, 0)
            print("forked")
        """)
        ok = run(conf(3), ["/usr/bin/python3", "-c", forks], **nobody)
        assert ok.stdout.strip() == "forked", ok.stderr
        hog = textwrap.dedent("""
            import os, time
            kids = []
            try:
                for i in range(6):
                    pid = os.fork()
                    if pid == 0:
                        time.sleep(5)
                        os._exit(0)
                    kids.append(pid)
            except OSError as e:
                print("limited", e.errno)
            for k in kids:
                os.kill(k, 9)
        """)
        limited = run(conf(3), ["/usr/bin/python3", "-c", hog], **nobody)
        assert limited.stdout.strip() == "limited 11", limited.stderr  # EAGAIN
    finally:
        os.killpg(busy.pid, 9)
        busy.wait()


def test_a_closed_confinement_refuses_to_spawn(confine: Any) -> None:
    conf = confine()
    conf.close()
    with pytest.raises(subprocess.SubprocessError):
        subprocess.run(["/bin/true"], preexec_fn=conf.preexec, check=False)


def test_works_as_ptyprocess_preexec_fn(confine: Any, workspace: Path, private_tmp: Path) -> None:
    # The bash runner spawns through a PTY; ptyprocess calls preexec_fn after its own setsid.
    from ptyprocess import PtyProcess

    conf = confine()
    env = scrub_env(os.environ) | {"HOME": str(private_tmp)}
    fd = conf.pass_fds[0]
    script = f"test -t 0 && echo tty-ok; grep NoNewPrivs /proc/self/status; ls /proc/self/fd/{fd}"
    proc = PtyProcess.spawn(["/bin/sh", "-c", script], cwd=str(workspace), env=env, preexec_fn=conf.preexec,
                            pass_fds=conf.pass_fds)
    output = b""
    while True:
        try:
            output += proc.read(1024)
        except EOFError:
            break
    proc.wait()
    assert b"tty-ok" in output
    assert b"NoNewPrivs:\t1" in output
    assert b"No such file or directory" in output  # the ruleset fd did not survive exec

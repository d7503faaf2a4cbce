"""Wrappers are reported themselves, and the program they run is reported as its own command."""

from __future__ import annotations

import pytest

from vtcode.policy.shell import SimpleCommand, parse_shell


def last(source: str) -> SimpleCommand:
    result = parse_shell(source)
    assert result.problems == (), result.problems
    return result.commands[-1]


class TestPrefixWrappers:
    @pytest.mark.parametrize(
        ("source", "wrapper"),
        [
            ("env rm x", ("env",)),
            ("env -i rm x", ("env", "-i")),
            ("env - rm x", ("env", "-")),
            ("env -u HOME rm x", ("env", "-u", "HOME")),
            ("env --unset=HOME rm x", ("env", "--unset=HOME")),
            ("env -C /tmp rm x", ("env", "-C", "/tmp")),
            ("env -i0v rm x", ("env", "-i0v")),
            ("timeout 5 rm x", ("timeout", "5")),
            ("timeout -k 5 10 rm x", ("timeout", "-k", "5", "10")),
            ("timeout -s KILL 1m rm x", ("timeout", "-s", "KILL", "1m")),
            (
                "timeout --signal=KILL --preserve-status 10 rm x",
                ("timeout", "--signal=KILL", "--preserve-status", "10"),
            ),
            ("nice rm x", ("nice",)),
            ("nice -n 5 rm x", ("nice", "-n", "5")),
            ("nice -10 rm x", ("nice", "-10")),
            ("nice --adjustment=3 rm x", ("nice", "--adjustment=3")),
            ("nohup rm x", ("nohup",)),
            ("stdbuf -oL -e0 rm x", ("stdbuf", "-oL", "-e0")),
            ("stdbuf --output=L rm x", ("stdbuf", "--output=L")),
            ("time rm x", ("time",)),
            ("time -p rm x", ("time", "-p")),
            ("command rm x", ("command",)),
            ("command -p rm x", ("command", "-p")),
            ("builtin rm x", ("builtin",)),
            ("exec rm x", ("exec",)),
            # (-a names argv[0]; another name than the program's is a problem: test_attack_round4.py)
            ("exec -a rm rm x", ("exec", "-a", "rm")),
            ("setsid -f rm x", ("setsid", "-f")),
            ("sudo rm x", ("sudo",)),
            ("sudo -u root -E rm x", ("sudo", "-u", "root", "-E")),
            ("sudo -uroot rm x", ("sudo", "-uroot")),
            ("sudo --user=root -- rm x", ("sudo", "--user=root", "--")),
            ("sudo -n -H -g wheel rm x", ("sudo", "-n", "-H", "-g", "wheel")),
            ("doas rm x", ("doas",)),
            ("doas -u root rm x", ("doas", "-u", "root")),
            ("chroot /srv rm x", ("chroot", "/srv")),
            ("chroot --userspec=a:b /srv rm x", ("chroot", "--userspec=a:b", "/srv")),
            ("ionice -c 3 rm x", ("ionice", "-c", "3")),
            ("taskset 0x3 rm x", ("taskset", "0x3")),
            ("taskset -c 0,1 rm x", ("taskset", "-c", "0,1")),
            ("flock /tmp/lock rm x", ("flock", "/tmp/lock")),
            ("flock -w 5 /tmp/lock rm x", ("flock", "-w", "5", "/tmp/lock")),
            ("unbuffer rm x", ("unbuffer",)),
            ("busybox rm x", ("busybox",)),
            ("/usr/bin/env rm x", ("/usr/bin/env",)),
            ("\\sudo rm x", ("sudo",)),
        ],
    )
    def test_inner_command_and_wrapper(self, source: str, wrapper: tuple[str, ...]) -> None:
        result = parse_shell(source)
        assert result.problems == ()
        outer, inner = result.commands
        assert outer.argv == (*wrapper, "rm", "x")  # the wrapper is reported as written
        assert inner.argv == ("rm", "x")
        assert inner.wrappers == (wrapper,)
        assert inner.via == (outer.name,)

    def test_nested_wrappers(self) -> None:
        result = parse_shell("sudo -u bob env A=1 timeout 5 nice -n 2 rm -rf x")
        assert [c.argv[0] for c in result.commands] == ["sudo", "env", "timeout", "nice", "rm"]
        inner = result.commands[-1]
        assert inner.via == ("sudo", "env", "timeout", "nice")
        assert inner.wrappers == (
            ("sudo", "-u", "bob"),
            ("env", "A=1"),
            ("timeout", "5"),
            ("nice", "-n", "2"),
        )
        assert inner.assignments == (("A", "1"),)

    def test_leading_assignments_reach_the_inner_command(self) -> None:
        result = parse_shell("LD_PRELOAD=/tmp/x.so nohup ls")
        assert [c.assignments for c in result.commands] == [(("LD_PRELOAD", "/tmp/x.so"),)] * 2

    def test_env_assignments(self) -> None:
        inner = last("env -i PATH=/tmp HOME=/x ls")
        assert inner.assignments == (("PATH", "/tmp"), ("HOME", "/x"))

    def test_sudo_assignments(self) -> None:
        assert last("sudo LD_PRELOAD=x ls").assignments == (("LD_PRELOAD", "x"),)

    @pytest.mark.parametrize(
        "source",
        [
            "command -v rm",
            "command -V rm",
            "ionice -p 42",
            "taskset -p 1 42",
            "sudo -l rm",
            "sudo -e /etc/x",
            "sudo -v",
            "sudo -h",
            "doas -C /etc/doas.conf rm",
            "env",
            "env -i",
            "timeout 5",
            "flock 9",
            "exec",
        ],
    )
    def test_forms_that_run_nothing(self, source: str) -> None:
        result = parse_shell(source)
        assert len(result.commands) == 1
        assert result.problems == ()

    @pytest.mark.parametrize(
        "source",
        ["sudo -Z rm", "timeout --frobnicate 5 rm", "env --whatever rm", "nice --adj=1 rm", "env -u"],
    )
    def test_unknown_option_is_a_problem(self, source: str) -> None:
        result = parse_shell(source)
        assert any("cannot tell which program" in p for p in result.problems)

    @pytest.mark.parametrize("source", ["sudo $OPTS rm x", "env $VARS rm x", "timeout $T rm", "xargs $X rm"])
    def test_unquoted_expansion_in_wrapper_arguments_is_a_problem(self, source: str) -> None:
        assert parse_shell(source).problems

    def test_quoted_expansion_in_an_option_value_is_fine(self) -> None:
        result = parse_shell('sudo -u "$U" rm x')
        assert result.problems == ()
        assert result.commands[-1].argv == ("rm", "x")

    @pytest.mark.parametrize("source", ["sudo -s", "sudo -i", "doas -s", "chroot /srv"])
    def test_interactive_shell_is_a_problem(self, source: str) -> None:
        assert parse_shell(source).problems

    def test_env_split_string(self) -> None:
        # GNU env splits the string and reads the pieces as if they were its own arguments.
        result = parse_shell("env -S '-i A=1 rm -rf' x")
        inner = result.commands[-1]
        assert inner.argv == ("rm", "-rf", "x")
        assert inner.assignments == (("A", "1"),)
        assert inner.wrappers == (("env", "-S", "-i A=1 rm -rf", "-i", "A=1"),)

    def test_env_split_string_options_stop_at_the_first_assignment(self) -> None:
        assert parse_shell("env -S 'A=1 -i rm'").commands[-1].argv == ("-i", "rm")

    def test_env_split_string_with_variables_is_a_problem(self) -> None:
        assert parse_shell("env -S '${CMD} x'").problems


class TestXargs:
    def test_inner_command_gets_runtime_arguments(self) -> None:
        inner = last("find . -name '*.tmp' | xargs -0 -n 1 -P 4 rm -f")
        assert inner.argv == ("rm", "-f")
        assert inner.runtime_args
        assert inner.wrappers == (("xargs", "-0", "-n", "1", "-P", "4"),)

    def test_default_command_is_echo(self) -> None:
        assert last("xargs").argv == ("echo",)

    def test_replace_string_marks_the_argument(self) -> None:
        inner = last("xargs -I{} mv {} {}.bak")
        assert inner.argv == ("mv", "{}", "{}.bak")
        assert inner.dynamic_args == frozenset({1, 2})

    def test_replace_string_inside_a_shell_body_is_a_problem(self) -> None:
        # The input is pasted into the script: `x; rm -rf ~` would run.
        result = parse_shell("xargs -I % sh -c 'echo %'")
        assert any("only known at run time" in p for p in result.problems)

    def test_shell_without_body_under_xargs(self) -> None:
        assert parse_shell("xargs sh -c").problems

    def test_static_shell_body_under_xargs(self) -> None:
        result = parse_shell("xargs sh -c 'echo \"$@\"' _")
        assert [c.argv[0] for c in result.commands] == ["xargs", "sh", "echo"]
        assert result.problems == ()


class TestFind:
    @pytest.mark.parametrize("action", ["-exec", "-execdir", "-ok", "-okdir"])
    def test_exec_clause(self, action: str) -> None:
        result = parse_shell(f"find . -name x {action} rm -f {{}} \\;")
        inner = result.commands[-1]
        assert inner.argv == ("rm", "-f", "{}")
        assert inner.via == (f"find {action}",)
        assert inner.dynamic_args == frozenset({2})
        assert inner.runtime_args

    def test_plus_terminator_and_several_clauses(self) -> None:
        result = parse_shell("find . -exec a {} + -exec b ';' -print")
        assert [c.argv for c in result.commands[1:]] == [("a", "{}"), ("b",)]

    def test_braces_inside_a_shell_body_make_it_dynamic(self) -> None:
        result = parse_shell("find . -exec sh -c 'cat {}' \\;")
        assert result.problems

    def test_unterminated_exec_is_a_problem(self) -> None:
        assert parse_shell("find . -exec rm {}").problems

    def test_unquoted_expansion_could_inject_exec(self) -> None:
        assert parse_shell("find $DIR -name x").problems

    def test_find_without_exec(self) -> None:
        result = parse_shell("find . -name '*.py' -print")
        assert len(result.commands) == 1
        assert result.problems == ()

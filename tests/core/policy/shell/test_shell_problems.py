"""What cannot be reasoned about is a problem (never allowable), and what can be seen is still reported."""

from __future__ import annotations

import pytest

from vtcode.policy.shell import parse_shell
from vtcode.policy.shell.context import MAX_SOURCE_BYTES


def problems(source: str) -> tuple[str, ...]:
    return parse_shell(source).problems


class TestProgramChosenAtRunTime:
    @pytest.mark.parametrize(
        "source",
        [
            "$X",
            "$X -rf /",
            '"$cmd" x',
            "${CMD:-rm} x",
            "$(echo rm) -rf /",
            "`echo rm` x",
            "~/bin/tool",
            "./*.sh",
            "{rm,-rf,/}",
            "/bin/r?",
            "exec $X",
            "sudo $X",
            'env A=1 "$P"',
            "$'\\x72'$M",
        ],
    )
    def test_dynamic_program_name(self, source: str) -> None:
        assert problems(source)

    def test_substitution_in_command_position_still_reports_its_commands(self) -> None:
        result = parse_shell("$(echo rm) -rf /")
        assert [c.argv[0] for c in result.commands] == ["$(echo rm)", "echo"]
        assert any("only known at run time" in p for p in result.problems)


class TestBuiltinsThatChangeMeaning:
    @pytest.mark.parametrize(
        "source",
        [
            "source ./env.sh",
            ". ./env.sh",
            "alias ls='rm -rf /'",
            "hash -p /tmp/evil ls",
            "enable -f ./x.so evil",
            "coproc cat",
            "let x=1",
            "declare -i n",
            "mapfile -C 'rm -rf /' -c 1 arr",
            "printf -v 'a[$(rm -rf /)]' x",
            "read 'a[$(id)]'",
            "unset 'a[`id`]'",
            "test -v 'a[$(id)]'",
            "[[ -v 'a[$(id)]' ]]",
            "read PATH",
            "printf -v PATH /tmp",
        ],
    )
    def test_problem(self, source: str) -> None:
        assert problems(source)

    @pytest.mark.parametrize(
        "source",
        [
            "alias",
            "alias ll",
            "hash",
            "hash -r",
            "declare -f",
            "declare -a x",
            "export -f f",
            "read -r line",
            "printf '%s[%d]\\n' a 1",
            "test -f x",
            "unset x",
            "local a=1",
        ],
    )
    def test_harmless_forms(self, source: str) -> None:
        assert problems(source) == ()

    def test_static_eval_is_parsed_not_refused(self) -> None:
        result = parse_shell("eval 'ls -la'")
        assert [c.argv[0] for c in result.commands] == ["eval", "ls"]
        assert result.problems == ()


class TestCodeRunningVariables:
    @pytest.mark.parametrize(
        "source",
        [
            "BASH_ENV=./x bash -c ls",
            "ENV=./x sh -c ls",
            "PS4='$(rm -rf /)' bash -xc :",
            "PROMPT_COMMAND='rm x' bash -i",
            "env 'BASH_FUNC_ls%%=() { rm -rf /; }' bash -c ls",
            "export BASH_ENV=./x",
            "BASH_ENV=./x",
            "sudo BASH_ENV=./x bash -c ls",
        ],
    )
    def test_problem(self, source: str) -> None:
        assert any(
            "BASH_ENV" in p or "ENV" in p or "PS4" in p or "PROMPT" in p or "BASH_FUNC" in p
            for p in problems(source)
        )

    def test_path_assignment_is_reported_for_the_policy(self) -> None:
        result = parse_shell("PATH=/tmp/evil:$PATH; ls")
        assert result.variables == (("PATH", "/tmp/evil:$PATH"),)
        assert result.problems == ()

    def test_export_is_a_command_and_a_variable(self) -> None:
        result = parse_shell("export LD_PRELOAD=/tmp/x.so")
        assert result.commands[0].argv == ("export", "LD_PRELOAD=/tmp/x.so")
        assert result.variables == (("LD_PRELOAD", "/tmp/x.so"),)


class TestArithmetic:
    @pytest.mark.parametrize(
        "source",
        [
            "echo $((x))",
            "echo $(($x + 1))",
            "((n++))",
            "for ((i=0; i<3; i++)); do a; done",
            "[[ $x -eq 1 ]]",
            "[[ a -lt 2 ]]",
            "echo ${s:off:1}",
            "echo ${s:(i)}",
            "echo ${a[i]}",
            "echo ${a[$i]}",
            "a[$i]=1",
            "echo ${!ref}",
        ],
    )
    def test_reading_a_variable_is_a_problem(self, source: str) -> None:
        # x='a[$(rm -rf ~)]'; echo $((x)) runs rm although `$(` only ever appears inside quotes.
        assert problems(source)

    @pytest.mark.parametrize(
        "source",
        [
            "echo $((1 + 2))",
            "((3 > 2))",
            "[[ 1 -eq 1 ]]",
            '[ "$x" -eq 1 ]',
            "echo ${s:1:2}",
            "echo ${a[0]}",
            'echo "${a[@]}"',
            "echo ${#a[*]}",
            "echo ${!prefix*}",
            "echo ${!a[@]}",
        ],
    )
    def test_literals_are_fine(self, source: str) -> None:
        assert problems(source) == ()


class TestUnparseable:
    @pytest.mark.parametrize(
        "source",
        [
            "echo 'unterminated",
            'echo "unterminated',
            "echo $(",
            "if a; then b",
            "(a",
            "a &&",
            "a |",
            "{ a",
            "case x in",
            "echo `a",
            "for x in; do",
            "$((",
            "echo ${",
        ],
    )
    def test_syntax_errors(self, source: str) -> None:
        assert problems(source)

    def test_visible_commands_are_still_reported(self) -> None:
        result = parse_shell("rm -rf / && echo 'oops")
        assert "rm" in [c.argv[0] for c in result.commands]
        assert result.problems

    def test_substitution_the_grammar_missed_is_caught(self) -> None:
        # tree-sitter does not parse a backquote inside ${x:=...}: the safety net notices the live opener.
        result = parse_shell("echo ${y:=`rm -rf /`}")
        assert any("not understood" in p for p in result.problems)


class TestInputLimits:
    def test_nul_byte(self) -> None:
        assert problems("echo a\0rm -rf /")

    @pytest.mark.parametrize("char", ["\r", "\x1b", "\u202e", "\u200b", "\x0b"])
    def test_control_and_invisible_characters(self, char: str) -> None:
        assert problems(f"ls{char} -la")

    def test_too_long(self) -> None:
        result = parse_shell("echo " + "a" * MAX_SOURCE_BYTES)
        assert result.commands == ()
        assert any("longer than" in p for p in result.problems)

    @pytest.mark.parametrize(
        ("opener", "closer"),
        [("$(", ")"), ("( ", " )"), ("{ ", "; }"), ("echo ${x:-", "}"), ("eval ", ""), ("sudo ", "")],
    )
    def test_deep_nesting_is_cut_off(self, opener: str, closer: str) -> None:
        result = parse_shell(opener * 3000 + "rm" + closer * 3000)
        assert any(p.startswith("nested") for p in result.problems)  # too deep, or too many body bytes

    def test_problem_messages_stay_short(self) -> None:
        result = parse_shell("$(" * 3000 + "x" * 5000 + ")" * 3000 + "; sudo --" + "y" * 5000)
        assert result.problems
        assert all(len(p) < 200 for p in result.problems)

    def test_nested_bodies_are_budgeted(self) -> None:
        source = "eval " * 12_000 + "ls"
        result = parse_shell(source)
        assert result.problems

    def test_invalid_unicode(self) -> None:
        assert problems("echo \ud800")

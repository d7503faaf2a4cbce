"""Every simple command is found, however the string composes it."""

from __future__ import annotations

import pytest

from vtcode.policy.shell import parse_shell


def programs(source: str) -> list[str]:
    return [c.argv[0] for c in parse_shell(source).commands]


def vias(source: str) -> dict[str, tuple[str, ...]]:
    return {c.argv[0]: c.via for c in parse_shell(source).commands}


class TestOperators:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("a; b", ["a", "b"]),
            ("a && b", ["a", "b"]),
            ("a || b", ["a", "b"]),
            ("a | b", ["a", "b"]),
            ("a |& b", ["a", "b"]),
            ("a & b", ["a", "b"]),
            ("a\nb\n\nc", ["a", "b", "c"]),
            ("a && b || c ; d | e & f", ["a", "b", "c", "d", "e", "f"]),
            ("! a", ["a"]),
            ("! a | b", ["a", "b"]),
        ],
    )
    def test_every_operand_is_a_command(self, source: str, expected: list[str]) -> None:
        result = parse_shell(source)
        assert [c.argv[0] for c in result.commands] == expected
        assert result.problems == ()

    def test_long_and_chain_costs_no_depth(self) -> None:
        source = " && ".join(f"c{i}" for i in range(500))
        result = parse_shell(source)
        assert len(result.commands) == 500
        assert result.problems == ()

    def test_pipeline_members_are_marked(self) -> None:
        assert vias("a | b")["a"] == ("pipeline",)
        assert vias("a | b")["b"] == ("pipeline", "piped")  # it reads the pipe

    def test_background_is_marked(self) -> None:
        assert vias("a & b")["a"] == ("background",)
        assert vias("a & b")["b"] == ()

    def test_negation_is_marked(self) -> None:
        assert vias("! a")["a"] == ("negated",)


class TestCompoundStatements:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("(a; b)", ["a", "b"]),
            ("{ a; b; }", ["a", "b"]),
            ("(a) && { b; }", ["a", "b"]),
            ("if a; then b; elif c; then d; else e; fi", ["a", "b", "c", "d", "e"]),
            ("while a; do b; done", ["a", "b"]),
            ("until a; do b; done", ["a", "b"]),
            ("for x in 1 2; do a; done", ["a"]),
            ("select x in 1 2; do a; done", ["a"]),
            ("case $x in a) b;; (c) d;; *) e;; esac", ["b", "d", "e"]),
            ("f() { a; }", ["a"]),
            ("function g { a; b; }", ["a", "b"]),
            ("function h() ( a )", ["a"]),
            ('a | while read l; do b "$l"; done', ["a", "read", "b"]),
        ],
    )
    def test_bodies_count(self, source: str, expected: list[str]) -> None:
        result = parse_shell(source)
        assert [c.argv[0] for c in result.commands] == expected
        assert result.problems == ()

    def test_function_body_counts_even_if_never_called(self) -> None:
        assert vias("evil() { rm -rf /; }")["rm"] == ("function", "group")

    def test_subshell_and_group_are_marked(self) -> None:
        assert vias("(a)")["a"] == ("subshell",)
        assert vias("{ a; }")["a"] == ("group",)

    def test_control_flow_is_marked(self) -> None:
        assert vias("if a; then b; fi")["b"] == ("if",)
        assert vias("for x in y; do a; done")["a"] == ("for",)
        assert vias("case x in y) a;; esac")["a"] == ("case",)


class TestSubstitutions:
    @pytest.mark.parametrize(
        ("source", "expected"),
        [
            ("echo $(a)", ["echo", "a"]),
            ("echo `a`", ["echo", "a"]),
            ('echo "$(a)"', ["echo", "a"]),
            ('echo "`a`"', ["echo", "a"]),
            ("echo $(a $(b))", ["echo", "a", "b"]),
            ("echo `a \\`b\\``", ["echo", "a", "b"]),
            ("diff <(a) >(b)", ["diff", "a", "b"]),
            ("echo ${x:-$(a)}", ["echo", "a"]),
            ('echo "${x:-"$(a)"}"', ["echo", "a"]),
            ("echo ${x/$(a)/$(b)}", ["echo", "a", "b"]),
            ("x=$(a)", ["a"]),
            ("x=$(a) y=`b` c", ["c", "a", "b"]),
            ("export x=$(a)", ["export", "a"]),
            ("local x=`a`", ["local", "a"]),
            ("a=( $(b) )", ["b"]),
            ("for x in $(a); do b; done", ["a", "b"]),
            ("case $(a) in x) b;; esac", ["a", "b"]),
            ("[[ -f $(a) ]]", ["[[", "a"]),
            ("a > $(b)", ["a", "b"]),
            ("a <<< $(b)", ["a", "b"]),
            ("while a; do b; done < <(c)", ["a", "b", "c"]),
            ("echo $(case x in a) b;; esac)", ["echo", "b"]),
            ("echo $(# a comment )\nb)", ["echo", "b"]),
        ],
    )
    def test_nested_commands_are_found(self, source: str, expected: list[str]) -> None:
        assert programs(source) == expected

    def test_substitutions_are_marked(self) -> None:
        assert vias("echo $(a)")["a"] == ("command_substitution",)
        assert vias("echo `a`")["a"] == ("command_substitution",)
        assert vias("cat <(a)")["a"] == ("process_substitution",)
        assert vias("echo $(a | b)")["b"] == ("command_substitution", "pipeline", "piped")

    def test_bare_assignment_records_the_variable(self) -> None:
        result = parse_shell("A=$(curl x) B=2")
        assert [c.argv for c in result.commands] == [("curl", "x")]
        assert result.variables == (("A", "$(curl x)"), ("B", "2"))


class TestHeredocs:
    def test_unquoted_heredoc_substitution_runs(self) -> None:
        result = parse_shell("cat <<EOF\nhello $(id)\nEOF")
        assert [c.argv[0] for c in result.commands] == ["cat", "id"]
        assert result.commands[1].via == ("heredoc", "command_substitution")

    @pytest.mark.parametrize("delimiter", ["'EOF'", '"EOF"', "\\EOF"])
    def test_quoted_heredoc_is_data(self, delimiter: str) -> None:
        result = parse_shell(f"cat <<{delimiter}\n$(rm -rf /) `id`\nEOF\necho done")
        assert [c.argv[0] for c in result.commands] == ["cat", "echo"]
        assert result.problems == ()

    def test_partly_quoted_delimiter_is_data_or_a_problem(self) -> None:
        # tree-sitter does not read `E'O'F` as bash does (bash: delimiter EOF, quoted): never allowable.
        result = parse_shell("cat <<E'O'F\n$(rm -rf /)\nEOF\necho done")
        assert result.problems

    def test_commands_after_the_heredoc_operator_count(self) -> None:
        assert programs("cat <<EOF | grep x && rm y\nbody\nEOF\necho z") == ["cat", "grep", "rm", "echo"]

    def test_commands_after_the_heredoc_body_count(self) -> None:
        assert programs("cat <<-EOF\n\tx\n\tEOF\nrm y") == ["cat", "rm"]


class TestOrder:
    def test_source_order_then_nested(self) -> None:
        assert programs("a $(b) | c `d`; e") == ["a", "b", "c", "d", "e"]

    def test_deterministic(self) -> None:
        source = "sudo env A=1 bash -c 'x | y' && find . -exec z {} + ; echo $(w)"
        assert parse_shell(source) == parse_shell(source)

    def test_comments_are_not_commands(self) -> None:
        assert programs("a # b; c\nd") == ["a", "d"]

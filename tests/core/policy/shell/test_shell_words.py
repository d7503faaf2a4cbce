"""Quote removal is faithful: quoting tricks never hide the program name, and run-time values are marked."""

from __future__ import annotations

import pytest

from vtcode.policy.shell import SimpleCommand, parse_shell
from vtcode.policy.shell.envsplit import split_env_string
from vtcode.policy.shell.words import decode_ansi_c, unescape_backquoted


def only(source: str) -> SimpleCommand:
    result = parse_shell(source)
    assert len(result.commands) == 1, result
    return result.commands[0]


class TestProgramNameTricks:
    @pytest.mark.parametrize(
        "source",
        [
            "rm -rf x",
            "r''m -rf x",
            'r""m -rf x',
            '"r"m -rf x',
            "'r'm -rf x",
            "\\rm -rf x",
            "r\\m -rf x",
            "$'rm' -rf x",
            "$'\\x72m' -rf x",
            "$'\\162\\155' -rf x",
            "$'\\u0072m' -rf x",
            "'rm' -rf x",
            "r\\\nm -rf x",
            '"r\\\nm" -rf x',
        ],
    )
    def test_quoting_does_not_hide_rm(self, source: str) -> None:
        result = parse_shell(source)
        assert result.commands[0].argv == ("rm", "-rf", "x")
        assert result.problems == ()


class TestQuoteRemoval:
    @pytest.mark.parametrize(
        ("source", "argument"),
        [
            ("echo 'a b'", "a b"),
            ('echo "a b"', "a b"),
            ("echo a\\ b", "a b"),
            ("echo 'it'\\''s'", "it's"),
            ('echo "say \\"hi\\""', 'say "hi"'),
            ('echo "back\\\\slash"', "back\\slash"),
            ('echo "keep \\n"', "keep \\n"),
            ("echo $'a\\tb'", "a\tb"),
            ("echo $'\\e[0m'", "\x1b[0m"),
            ("echo $'it\\'s'", "it's"),
            ("echo $'\\xc3\\xa9'", "é"),
            ("echo $'\\u00e9'", "é"),
            ("echo $'\\U0001F600'", "\U0001f600"),
            ("echo $'\\cA'", "\x01"),
            ("echo $'a\\0b'c", "ac"),  # bash ends a $'...' segment at NUL
            ("echo $'\\q'", "\\q"),  # unknown escapes are kept
            ("echo '$HOME'", "$HOME"),
            ("echo a'b'\"c\"$'d'", "abcd"),
            ("echo {}", "{}"),
            ("echo '*'", "*"),
            ("echo \\*", "*"),
            ('echo "[x]"', "[x]"),
        ],
    )
    def test_literal_values(self, source: str, argument: str) -> None:
        command = only(source)
        assert command.argv[1] == argument
        assert command.dynamic_args == frozenset()


class TestDynamicWords:
    @pytest.mark.parametrize(
        "argument",
        [
            "$HOME",
            "${HOME}",
            '"$HOME"',
            "$1",
            '"$@"',
            "$((1+2))",
            "*.py",
            "file?.txt",
            "[ab].txt",
            "~",
            "~/x",
            "~root",
            "a=~/x",
            '"a"$b',
            '$"translated"',
        ],
    )
    def test_marked_dynamic(self, argument: str) -> None:
        command = parse_shell(f"echo {argument}").commands[0]
        assert command.dynamic_args == frozenset({1}), command

    @pytest.mark.parametrize("argument", ["a~", "'~'", "{a}", "x]", "a,b", '"{a,b}"', "'$x'"])
    def test_not_dynamic(self, argument: str) -> None:
        assert parse_shell(f"echo {argument}").commands[0].dynamic_args == frozenset()

    def test_dynamic_text_is_kept_as_written(self) -> None:
        assert only('cp "$SRC" ~/dst').argv == ("cp", "$SRC", "~/dst")

    def test_only_the_dynamic_index_is_marked(self) -> None:
        assert only("cp a $B c").dynamic_args == frozenset({2})


class TestHelpers:
    def test_decode_ansi_c_octal_and_hex(self) -> None:
        assert decode_ansi_c("\\101\\x42\\u0043") == "ABC"

    def test_decode_ansi_c_incomplete_hex_is_literal(self) -> None:
        assert decode_ansi_c("\\xZ") == "\\xZ"

    def test_unescape_backquoted(self) -> None:
        assert unescape_backquoted("echo \\`id\\` \\$x \\\\ \\n") == "echo `id` $x \\ \\n"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a b  c", ["a", "b", "c"]),
            ("'a b' c", ["a b", "c"]),
            ('"a\\"b" c', ['a"b', "c"]),
            ("a\\_b", ["a b"]),
            ("a;b|c", ["a;b|c"]),
            ("a #comment", ["a"]),
            ("a \\c b", ["a"]),
        ],
    )
    def test_env_split(self, text: str, expected: list[str]) -> None:
        assert split_env_string(text) == expected

    @pytest.mark.parametrize("text", ["${HOME}/x", "a $b", "'open", "a\\"])
    def test_env_split_refuses_what_it_cannot_know(self, text: str) -> None:
        assert split_env_string(text) is None


@pytest.mark.parametrize(
    ("argument", "words"),
    [
        ("{a,b}", ["a", "b"]),
        ("{1..3}", ["1", "2", "3"]),
        ("x{a,b}y", ["xay", "xby"]),
        ("{a,}", ["a"]),
        ("x{,}", ["x", "x"]),
        ("{a,{b,c}}d", ["ad", "bd", "cd"]),
        ("{08..10}", ["08", "09", "10"]),
        ("{c..a}", ["c", "b", "a"]),
        ("{1..7..3}", ["1", "4", "7"]),
        ("'{a,b}'{c,d}", ["{a,b}c", "{a,b}d"]),
        ('{a,"b,c"}', ["a", "b,c"]),
        ("{a,b", ["{a,b"]),
        ("{a,{b,c}", ["{a,b", "{a,c"]),
    ],
)
def test_braces_expand_as_bash_does(argument: str, words: list[str]) -> None:
    """Brace expansion happens before the words are judged: each resulting word is an argument."""
    assert list(parse_shell(f"echo {argument}").commands[0].argv[1:]) == words

def test_huge_brace_expansion_is_not_followed() -> None:
    assert not parse_shell("echo {1..100000}").understood
    assert not parse_shell("echo {a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}").understood

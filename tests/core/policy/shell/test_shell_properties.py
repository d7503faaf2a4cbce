"""Generated compositions: a marker program hidden anywhere is always seen (or the string is refused)."""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtcode.policy.shell import ParseResult, parse_shell

MARKER = "zzmark"
# (is it a simple command a wrapper can precede, the shell text)
Piece = tuple[bool, str]

_SPELLINGS = [
    "zzmark",
    "'zz'mark",
    '"zz"mark',
    "zz''mark",
    "\\zzmark",
    "zz\\mark",
    "$'\\x7a'zmark",
    "$'\\172zmark'",
    "zz\\\nmark",
    "'zzmark'",
]
_WORDS = st.sampled_from(["-rf", "/", "x", "'a b'", '"c d"', "--opt=1", "-n", "5", "{}", "./f"])
_WRAPPERS = [
    "sudo ",
    "sudo -u root -E ",
    "env A=1 ",
    "env -i ",
    "timeout 5 ",
    "timeout -k 1 5 ",
    "nice -n 3 ",
    "nice -5 ",
    "nohup ",
    "command ",
    "command -p ",
    "exec ",
    "time ",
    "time -p ",
    "stdbuf -oL ",
    "setsid ",
    "xargs ",
    "xargs -0 -n1 ",
    "xargs -I{} ",
    "ionice -c 3 ",
    "doas ",
    "chroot /srv ",
    "taskset 1 ",
    "flock /tmp/l ",
    "unbuffer ",
    "busybox ",
    "watch -x ",
    "builtin ",
    "env -S 'A=1' ",
]
# Only a shell reads these (and only before a simple command): after them the text is no longer an argv
# another wrapper could exec.
_ASSIGNMENTS = ["LD_PRELOAD=x ", "A=1 B=2 ", "PATH=/usr/bin ", ">out ", "2>/dev/null "]
_STRUCTURES = [
    "$( {} )",
    "<( {} )",
    ">( {} )",
    "( {} )",
    "{{ {}; }}",
    "! {}",
    "{} &",
    "true && {}",
    "{} || false",
    "echo a | {}",
    "{} | cat",
    "{}; echo b",
    "if {}; then :; fi",
    "if true; then {}; fi",
    "while {}; do :; done",
    "for i in 1 2; do {}; done",
    "case y in y) {};; esac",
    "f() {{ {}; }}",
    'echo "$( {} )"',
    "A=$( {} )",
    "echo ${{v:-$( {} )}}",
    "cat <<EOF\n$( {} )\nEOF",
    "{} > /dev/null 2>&1",
    "[[ -n $( {} ) ]]",
    "echo x\n{}",
]
_TEXT_RUNNERS = [
    "bash -c {}",
    "sh -lc {}",
    "eval {}",
    "su -c {} root",
    "watch {}",
    "trap {} EXIT",
    "script -qc {} /dev/null",
    "flock /tmp/l -c {}",
    "xargs sh -c {} _",
]


def _simple() -> st.SearchStrategy[Piece]:
    return st.builds(
        lambda name, args: (True, " ".join([name, *args])),
        st.sampled_from(_SPELLINGS),
        st.lists(_WORDS, max_size=3),
    )


def _backquote(text: str) -> str:
    return "`" + text.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$") + "`"


def _extend(children: st.SearchStrategy[Piece]) -> st.SearchStrategy[Piece]:
    def wrap(prefix: str, piece: Piece) -> Piece:
        simple, text = piece
        return True, prefix + (text if simple else "sh -c " + shlex.quote(text))

    def find_exec(piece: Piece) -> Piece:
        simple, text = piece
        # An inner `;` would end the outer clause: find inside find goes through sh -c.
        inner = text if simple and "-exec" not in text else "sh -c " + shlex.quote(text)
        return True, f"find . -name x -exec {inner} {{}} \\;"

    return st.one_of(
        st.builds(wrap, st.sampled_from(_WRAPPERS), children),
        st.builds(
            lambda prefix, piece: (False, wrap(prefix, piece)[1]), st.sampled_from(_ASSIGNMENTS), children
        ),
        st.builds(lambda form, piece: (False, form.format(piece[1])), st.sampled_from(_STRUCTURES), children),
        st.builds(
            lambda form, piece: (True, form.format(shlex.quote(piece[1]))),
            st.sampled_from(_TEXT_RUNNERS),
            children,
        ),
        # Backquotes around compound text hit tree-sitter limits (reported as problems): simple text only.
        st.builds(
            lambda piece: (False, "echo " + _backquote(piece[1])), children.filter(lambda piece: piece[0])
        ),
        st.builds(find_exec, children),
    )


COMPOSITIONS = st.recursive(_simple(), _extend, max_leaves=6)


def _seen(result: ParseResult) -> bool:
    return any(command.argv[0] == MARKER for command in result.commands)


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(COMPOSITIONS)
def test_marker_is_always_seen(piece: Piece) -> None:
    result = parse_shell(piece[1])
    assert _seen(result) or result.problems, piece[1]


@settings(max_examples=300, deadline=None, database=None)
@given(COMPOSITIONS)
def test_marker_is_seen_as_its_literal_name(piece: Piece) -> None:
    # The generator only uses syntax the extractor understands: the marker must be found outright.
    result = parse_shell(piece[1])
    assert _seen(result), (piece[1], result.problems)


# Run-time values and syntax breakers, inserted at word boundaries. Operators such as `;` or `<<`, and plain
# words, are left out: they can legitimately turn the marker into an argument, a heredoc delimiter or a script
# file name, so that it would not run at all.
_HOSTILE = st.sampled_from(["$X ", '"$@" ', "${!r} ", "$(cat f) ", "*/ ", "( ", "$( "])


@settings(max_examples=400, deadline=None, database=None)
@given(COMPOSITIONS, _HOSTILE, st.integers(min_value=0))
def test_marker_is_seen_or_refused_after_hostile_edits(piece: Piece, junk: str, where: int) -> None:
    text = piece[1]
    boundaries = [0] + [i + 1 for i, char in enumerate(text) if char == " " and text[i - 1 : i] != "\\"]
    position = boundaries[where % len(boundaries)]
    result = parse_shell(text[:position] + junk + text[position:])
    assert _seen(result) or result.problems, text[:position] + junk + text[position:]


@settings(max_examples=500, deadline=None, database=None)
@given(
    st.lists(
        st.sampled_from([*"ab $(){}[]'\"`\\|&;<>!#~*?=\n\t-xc0", "<<EOF\n", "EOF\n", "bash -c "]), max_size=40
    ).map("".join)
)
def test_never_raises_on_shell_like_noise(text: str) -> None:
    assert isinstance(parse_shell(text), ParseResult)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(max_size=80))
def test_never_raises_on_any_text(text: str) -> None:
    assert isinstance(parse_shell(text), ParseResult)

"""Fuzzy file search: editor-like ranking on the real CPython standard library file list, and a file
list that stays inside the workspace (.gitignore, hidden files, symlinks out never listed)."""

from __future__ import annotations

import os
import sysconfig
from pathlib import Path

import pytest
from vtcode_file_search.ranking import PathTable
from vtcode_file_search.search import FileSearch

# (query, expected file): what a developer types in a quick-open over the standard library.
QUERIES = [
    ("jsondecoder", "json/decoder.py"), ("json init", "json/__init__.py"), ("httpclient", "http/client.py"),
    ("http server", "http/server.py"), ("urllib parse", "urllib/parse.py"), ("urlreq", "urllib/request.py"),
    ("asyncio base events", "asyncio/base_events.py"), ("asyncio tasks", "asyncio/tasks.py"),
    ("email mime text", "email/mime/text.py"), ("emailparser", "email/parser.py"),
    ("unittest mock", "unittest/mock.py"), ("tarfile", "tarfile.py"), ("zipfile", "zipfile.py"),
    ("subprocess", "subprocess.py"), ("pathlib", "pathlib.py"), ("dataclasses", "dataclasses.py"),
    ("concurrent futures thread", "concurrent/futures/thread.py"),
    ("logging handlers", "logging/handlers.py"),
    ("xml etree elementtree", "xml/etree/ElementTree.py"), ("sqlite3 dbapi2", "sqlite3/dbapi2.py"),
    ("importlib metadata init", "importlib/metadata/__init__.py"), ("collections abc", "collections/abc.py"),
    ("multiprocessing pool", "multiprocessing/pool.py"), ("ctypes util", "ctypes/util.py"),
    ("encodings utf8", "encodings/utf_8.py"), ("tomllib parser", "tomllib/_parser.py"),
    ("argparse", "argparse.py"), ("shutil", "shutil.py"), ("typing", "typing.py"),
    ("functools", "functools.py"),
    ("http cookiejar", "http/cookiejar.py"), ("xmlrpc client", "xmlrpc/client.py"),
    ("wsgiref simple server", "wsgiref/simple_server.py"), ("ensurepip", "ensurepip/__init__.py"),
]
DECOYS = ["vendor/simplejson/decoder.py", "vendor/simplejson/encoder.py", "tests/test_http_client.py",
          "docs/http-client-notes.md", "third_party/six/moves/urllib_parse.py"]


@pytest.fixture(scope="module")
def stdlib_table() -> PathTable:
    stdlib = sysconfig.get_paths()["stdlib"]
    paths = []
    for directory, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "__pycache__"))
        paths.extend(os.path.relpath(os.path.join(directory, f), stdlib) for f in sorted(files))
    return PathTable(paths + DECOYS)


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_expected_file_in_top_three(stdlib_table: PathTable, query: str, expected: str) -> None:
    top = [path for path, _ in stdlib_table.search(query, 3)]
    assert expected in top, top


def test_jsondecoder_ranks_json_above_simplejson(stdlib_table: PathTable) -> None:
    ranked = [path for path, _ in stdlib_table.search("jsondecoder", 10)]
    assert ranked.index("json/decoder.py") < ranked.index("vendor/simplejson/decoder.py")


def test_no_match_and_empty_query(stdlib_table: PathTable) -> None:
    assert stdlib_table.search("qqqqzzzzxxxx") == [] and stdlib_table.search("   ") == []


def test_listing_stays_in_the_workspace(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target_secret.py").write_text("x")
    (workspace / "src").mkdir()
    (workspace / "src" / "target.py").write_text("x")
    (workspace / "linkdir").symlink_to(outside)
    (workspace / "target_link.py").symlink_to(outside / "target_secret.py")
    (workspace / "loop").symlink_to("loop")
    (workspace / ".hidden_target.py").write_text("x")
    (workspace / ".gitignore").write_text("ignored/\n")
    (workspace / "ignored").mkdir()
    (workspace / "ignored" / "target_ignored.py").write_text("x")
    found = [m.path for m in FileSearch(workspace).search("target", 50)]
    assert found == ["src/target.py"]
    with_hidden = [m.path for m in FileSearch(workspace, hidden=True).search("target", 50)]
    assert sorted(with_hidden) == [".hidden_target.py", "src/target.py"]

"""The tree-sitter indexer on real files and real grammars: symbols per language, incremental updates,
a corrupted index rebuilt, and every bad input skipped with a counted reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from vtcode_indexer import languages
from vtcode_indexer.engine import update
from vtcode_indexer.queries import CodeIndex
from vtcode_indexer.store import index_path

SOURCES = {
    "app.py": "class Server:\n    def run(self):\n        def step():\n            pass\n"
              "\ndef main():\n    pass\n",
    "lib.rs": "struct Cache;\nimpl Cache {\n    fn get(&self) {}\n}\n"
              "trait Store { fn put(&self); }\nfn main() {}\n",
    "web.js": "class View { render() {} }\nfunction boot() {}\nconst handler = () => 1;\n",
    "api.ts": "interface Client { fetch(): void }\nclass Http { get() {} }\nexport function call() {}\n",
    "srv.go": "package srv\ntype Server struct{}\nfunc (s *Server) Serve() {}\n"
              "func New() *Server { return nil }\n",
    "build.sh": "setup() { :; }\nfunction clean { :; }\n",
}


def shape(root: Path, path: str) -> list[tuple[str, str, str | None]]:
    return [(s.name, s.kind, s.parent) for s in CodeIndex(root).symbols(path)]


@pytest.fixture
def project(workspace: Path) -> Path:
    for name, text in SOURCES.items():
        (workspace / name).write_text(text)
    return workspace


def test_symbols_in_every_language(project: Path) -> None:
    assert shape(project, "app.py") == [("Server", "class", None), ("run", "method", "Server"),
                                        ("step", "function", "run"), ("main", "function", None)]
    assert shape(project, "lib.rs") == [("Cache", "class", None), ("get", "method", "Cache"),
                                        ("Store", "class", None), ("put", "method", "Store"),
                                        ("main", "function", None)]
    assert shape(project, "web.js") == [("View", "class", None), ("render", "method", "View"),
                                        ("boot", "function", None), ("handler", "function", None)]
    assert shape(project, "api.ts") == [("Client", "class", None), ("fetch", "method", "Client"),
                                        ("Http", "class", None), ("get", "method", "Http"),
                                        ("call", "function", None)]
    assert shape(project, "srv.go") == [("Server", "class", None), ("Serve", "method", "Server"),
                                        ("New", "function", None)]
    assert shape(project, "build.sh") == [("setup", "function", None), ("clean", "function", None)]
    ranges = {s.name: (s.start_line, s.end_line) for s in CodeIndex(project).symbols("app.py")}
    assert ranges["Server"] == (1, 4) and ranges["main"] == (6, 7)


def test_find_and_references(project: Path) -> None:
    index = CodeIndex(project)
    assert [(s.path, s.kind) for s in index.find("Server", exact=True)] == [("app.py", "class"),
                                                                           ("srv.go", "class")]
    assert {s.name for s in index.find("serv")} == {"Server", "Serve"}
    refs = index.references("Server")
    assert {(r.path, r.line) for r in refs} >= {("app.py", 1), ("srv.go", 2), ("srv.go", 3), ("srv.go", 4)}


def test_incremental_reindex_picks_up_exactly_the_changed_file(project: Path) -> None:
    first = update(project)
    assert first.rebuilt and first.changed == len(SOURCES) and first.files == len(SOURCES)
    again = update(project)
    assert (again.rebuilt, again.changed, again.symbols) == (False, 0, first.symbols)
    os.utime(project / "lib.rs", ns=(1, 1))  # new mtime, same bytes: re-read, hash equal, not re-parsed
    assert update(project).changed == 0
    (project / "app.py").write_text(SOURCES["app.py"] + "\ndef added():\n    pass\n")
    changed = update(project)
    assert (changed.changed, changed.symbols) == (1, first.symbols + 1)
    (project / "web.js").unlink()
    assert update(project).removed == 1
    assert shape(project, "web.js") == []


def test_corrupted_index_is_rebuilt(project: Path) -> None:
    update(project)
    target = index_path(project)
    target.write_bytes(b"not a database at all" * 100)
    report = update(project)
    assert report.rebuilt and report.files == len(SOURCES)
    target.write_bytes(target.read_bytes()[:4096])  # truncated mid-file
    assert len(CodeIndex(project).symbols("app.py")) == 4


def test_bad_inputs_are_skipped_with_reasons(workspace: Path, tmp_path: Path) -> None:
    (workspace / "ok.py").write_text("def fine():\n    pass\n")
    (workspace / "latin1.py").write_bytes(b"# caf\xe9\ndef f(): pass\n")
    (workspace / "blob.py").write_bytes(b"\x00\x01binary" * 10)
    (workspace / "huge.py").write_bytes(b"x = 1\n" * 300_000)
    (workspace / "notes.txt").write_text("hello")
    (workspace / "loop").symlink_to("loop")
    (workspace / "a").symlink_to("b")
    (workspace / "b").symlink_to("a")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text("def stolen(): pass\n")
    (workspace / "out.py").symlink_to(outside / "secret.py")
    (workspace / "outdir").symlink_to(outside)
    (workspace / "selfdir").symlink_to(".")
    deep = workspace
    for _ in range(70):
        deep = deep / "d"
    deep.mkdir(parents=True)
    (deep / "deep.py").write_text("def deepest(): pass\n")
    os.mkfifo(workspace / "pipe.py")
    report = update(workspace)
    assert report.files == 1 and report.symbols == 1
    assert report.skipped["not UTF-8"] == 1 and report.skipped["binary"] == 1
    assert report.skipped["too large"] == 1 and report.skipped["not source code"] == 1
    assert report.skipped["broken symlink"] == 3 and report.skipped["symlink outside workspace"] == 2
    assert report.skipped["symlinked directory"] == 1 and report.skipped["too deep"] == 1
    assert report.skipped["special file"] == 1
    assert CodeIndex(workspace).find("stolen") == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads through any permission bits")
def test_permission_denied_directory_is_counted(workspace: Path) -> None:
    (workspace / "locked").mkdir()
    (workspace / "locked" / "x.py").write_text("def x(): pass\n")
    (workspace / "locked").chmod(0)
    try:
        assert update(workspace).skipped["permission denied"] == 1
    finally:
        (workspace / "locked").chmod(0o755)


def test_missing_grammar_is_a_counted_skip(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workspace / "main.go").write_text("package main\nfunc main() {}\n")
    (workspace / "ok.py").write_text("def fine(): pass\n")
    monkeypatch.setitem(languages.GRAMMARS, "go", languages.Grammar("tree_sitter_not_installed", "language"))
    languages.load.cache_clear()
    try:
        report = update(workspace)
    finally:
        languages.load.cache_clear()
    assert report.skipped["grammar missing: go"] == 1 and report.files == 1


def test_gitignore_nested_negation_and_directories(workspace: Path) -> None:
    (workspace / ".gitignore").write_text("*.gen.py\nbuild/\n!keep.gen.py\n")
    for name in ("a.py", "x.gen.py", "keep.gen.py", "build/b.py", "sub/build/c.py", "sub/d.py", "sub/e.py",
                 "sub/inner/f.py"):
        (workspace / name).parent.mkdir(parents=True, exist_ok=True)
        (workspace / name).write_text("def f(): pass\n")
    (workspace / "sub" / ".gitignore").write_text("e.py\n/inner\n")
    indexed = {s.path for s in CodeIndex(workspace).symbols(".")}
    assert indexed == {"a.py", "keep.gen.py", "sub/d.py"}


def test_secrets_are_never_indexed(workspace: Path) -> None:
    from vtcode.workspace import Jail
    from vtcode.workspace.listing import list_workspace

    (workspace / ".ssh").mkdir()
    (workspace / ".ssh" / "keys.py").write_text("KEY = 1\ndef k(): pass\n")
    listing = list_workspace(Jail(workspace, home=workspace), hidden=True)
    assert listing.files == [] and listing.skipped["secret"] == 1


def test_a_large_batch_runs_on_the_pool(workspace: Path) -> None:
    for i in range(60):
        (workspace / f"m{i}.py").write_text("".join(f"def f{j}():\n    return {j}\n" for j in range(200)))
    report = update(workspace)
    assert (report.files, report.symbols) == (60, 60 * 200)
    assert {s.name for s in CodeIndex(workspace).symbols("m7.py")} == {f"f{j}" for j in range(200)}

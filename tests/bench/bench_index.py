"""Code index: cold, no-change and one-file re-index of the CPython stdlib vs `ctags -R` on the same files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
import tempfile
from pathlib import Path

from measure import command_ms, figure, median_ms

ROUNDS = 5


def stdlib_copy(target: Path) -> int:
    """The machine's own stdlib sources (no site-packages, no test suites), copied so both tools see the
    same files and the index's cache stays out of the Python install."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    count = 0
    for directory, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d not in ("site-packages", "test", "tests", "__pycache__"))
        for name in files:
            if name.endswith(".py"):
                source = Path(directory, name)
                dest = target / source.relative_to(stdlib)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, dest)
                count += 1
    return count


def run() -> bool:
    if shutil.which("ctags") is None:
        print("- ctags not installed (apt-get install universal-ctags): skipped")
        return False
    from vtcode_indexer.engine import update
    from vtcode_indexer.store import index_path

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["VTCODE_CACHE_DIR"] = str(Path(tmp, "cache"))
        root = Path(tmp, "stdlib").resolve()
        files = stdlib_copy(root)
        tags = str(Path(tmp, "tags"))
        ctags = command_ms(["ctags", "-R", "-f", tags, str(root)], ROUNDS)

        def cold() -> None:
            index_path(root).unlink(missing_ok=True)
            update(root)

        cold_ms = median_ms(cold, ROUNDS)
        noop_ms = median_ms(lambda: update(root), ROUNDS * 2)
        changed = root / "json" / "decoder.py"
        original = changed.read_text()
        counter = iter(range(10**6))

        def one_file() -> None:
            changed.write_text(original + f"\ndef added_{next(counter)}():\n    pass\n")
            assert update(root).changed == 1

        one_ms = median_ms(one_file, ROUNDS * 2)
        subprocess.run(["ctags", "--version"], check=True, stdout=subprocess.DEVNULL)
        print(f"- corpus: {files} stdlib files; ctags -R median {ctags:.1f} ms")
        ok = figure("cold full index (2 workers)", cold_ms, "ctags -R", ctags, "<= 3x", cold_ms <= 3 * ctags)
        ok &= figure("re-index, nothing changed", noop_ms, "ctags -R", ctags, "<= 0.2x", noop_ms * 5 <= ctags)
        ok &= figure("re-index, one file changed", one_ms, "ctags -R", ctags, "< 20 ms", one_ms < 20)
        return ok

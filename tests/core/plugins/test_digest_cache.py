"""The digest cache also remembers what a plugin's source declares; an edit must be seen at once."""

from __future__ import annotations

import os
from pathlib import Path

from vtcode.plugins.digest_cache import DigestCache


def _families(path: Path) -> list[str]:
    return sorted(line.split()[1] for line in path.read_text().splitlines() if line.startswith("def "))


def test_derived_values_are_remembered_until_the_file_changes(tmp_path: Path) -> None:
    source = tmp_path / "plugin.py"
    source.write_text("def register_tools\n")
    calls: list[Path] = []

    def scan(path: Path) -> list[str]:
        calls.append(path)
        return _families(path)

    cache = DigestCache.in_memory()
    assert cache.derived(source, "families", scan) == ["register_tools"]
    assert cache.derived(source, "families", scan) == ["register_tools"]
    assert len(calls) == 1
    before = os.stat(source)
    source.write_text("def review_action\n")  # same size, then the old mtime put back: ctime still moves
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert cache.derived(source, "families", scan) == ["review_action"]
    assert len(calls) == 2

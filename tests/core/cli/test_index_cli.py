"""`vtcode index`, `vtcode symbols` and `vtcode find` as a script runs them: JSON on stdout, one-line
errors, --workspace honoured, nothing outside the workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

VTCODE = str(Path(sys.executable).parent / "vtcode")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([VTCODE, *args], text=True, capture_output=True, env=env, timeout=120)


def test_index_symbols_find(workspace: Path) -> None:
    (workspace / "pkg").mkdir()
    (workspace / "pkg" / "core.py").write_text("class Engine:\n    def start(self):\n        pass\n")
    (workspace / "data.bin").write_bytes(b"\0" * 10)
    (workspace / "bad.py").write_bytes(b"\xff\xfe def")
    first = run("index", "--json", "--workspace", str(workspace))
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["files"], report["symbols"], report["rebuilt"]) == (1, 2, True)
    assert report["skipped"] == {"not UTF-8": 1, "not source code": 1}
    again = json.loads(run("index", "--json", "--workspace", str(workspace)).stdout)
    assert (again["changed"], again["rebuilt"]) == (0, False)
    symbols = json.loads(run("symbols", "pkg/core.py", "--json", "--workspace", str(workspace)).stdout)
    assert [(s["name"], s["kind"], s["parent"]) for s in symbols["symbols"]] == [
        ("Engine", "class", None), ("start", "method", "Engine")]
    text = run("symbols", "pkg/core.py", "--workspace", str(workspace)).stdout
    assert text == "class Engine  [1-3]\n  method start  [2-3]\n"
    found = json.loads(run("find", "pkgcore", "--json", "--limit", "1", "--workspace", str(workspace)).stdout)
    assert [r["path"] for r in found["results"]] == ["pkg/core.py"]
    nothing = run("find", "zzqqxx", "--workspace", str(workspace))
    assert (nothing.returncode, nothing.stdout) == (1, "")
    said = f"vtcode: no file in {workspace} matches 'zzqqxx' (hidden files are skipped: --hidden)\n"
    assert nothing.stderr == said


def test_one_line_errors(workspace: Path, tmp_path: Path) -> None:
    outside = run("symbols", "/etc/passwd", "--workspace", str(workspace))
    assert outside.returncode != 0 and outside.stderr.count("\n") == 1
    assert "outside the workspace" in outside.stderr
    missing = run("find", "x", "--workspace", str(tmp_path / "nope"))
    assert missing.returncode != 0 and missing.stderr.strip() == (
        f"vtcode: error: --workspace {tmp_path / 'nope'}: no such directory")
    bad_limit = run("find", "x", "--limit", "0", "--workspace", str(workspace))
    assert bad_limit.returncode == 2 and "Traceback" not in bad_limit.stderr

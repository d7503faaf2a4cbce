"""File search: 100,000 paths, in process, against `fzf --filter` on the same list and queries."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path

from measure import figure

QUERIES = ["jsondecoder", "httpclient", "asyncio base events", "email mime text", "urllib parse",
           "unittest mock", "tarfile", "logging handlers", "xml etree", "collections abc",
           "concurrent futures thread", "sqlite3 dbapi2", "multiprocessing pool", "pathlib", "argparse",
           "http server", "ctypes util", "encodings utf8", "typing", "functools"]
COUNT = 100_000


def paths() -> list[str]:
    """The stdlib's real file list (site-packages included where it holds the most files), replicated under
    project-like prefixes to exactly COUNT paths, deterministically."""
    stdlib = sysconfig.get_paths()["stdlib"]
    real: list[str] = []
    for directory, dirs, files in os.walk(stdlib):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        real.extend(os.path.relpath(os.path.join(directory, f), stdlib) for f in sorted(files))
    prefixes = ["", "vendor/", "third_party/py/", "services/api/venv/lib/", "monorepo/packages/core/"]
    out: list[str] = []
    for prefix in prefixes:
        out.extend(prefix + p for p in real)
        if len(out) >= COUNT:
            break
    i = 0
    while len(out) < COUNT:
        out.append(f"generated/pkg{i % 97}/module_{i}.py")
        i += 1
    return out[:COUNT]


def run() -> bool:
    from vtcode_file_search.ranking import PathTable

    listed = paths()
    table = PathTable(listed)
    ours: list[float] = []
    for query in QUERIES:
        table.search(query, 20)  # warm
        start = time.perf_counter()
        table.search(query, 20)
        ours.append((time.perf_counter() - start) * 1000)
    p50 = statistics.median(ours)
    if shutil.which("fzf") is None:
        print("- fzf not installed (apt-get install fzf): no baseline")
        return figure("search p50", p50, "(no fzf)", 0.0, "< 30 ms", p50 < 30)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(listed) + "\n")
    fzf: list[float] = []
    try:
        for query in QUERIES:
            start = time.perf_counter()
            with Path(handle.name).open("rb") as stdin:
                subprocess.run(["fzf", "--filter", query], stdin=stdin, stdout=subprocess.DEVNULL,
                               check=False)
            fzf.append((time.perf_counter() - start) * 1000)
    finally:
        os.unlink(handle.name)
    fzf_p50 = statistics.median(fzf)
    p90 = sorted(ours)[int(len(ours) * 0.9)]
    print(f"- {len(listed)} paths, {len(QUERIES)} queries; ours p90 {p90:.1f} ms")
    return figure("search p50", p50, "fzf --filter", fzf_p50, "< 30 ms and <= fzf",
                  p50 < 30 and p50 <= fzf_p50)

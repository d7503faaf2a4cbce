"""Run every benchmark module (tests/bench/bench_*.py) and print its figures.

Figures are medians over repeated runs, each reported beside a baseline measured in the same run, as a
ratio: the machine is noisy, so absolute times alone mean little. `python tests/bench/run.py NAME...`
runs only the named modules (e.g. `startup`).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(HERE.parent))  # for `helpers`, as pytest's `pythonpath` does
    # Start-up is measured as users get it: with bytecode caches written. A developer's or CI's
    # PYTHONDONTWRITEBYTECODE would make every start compile vtcode's plugins from source again.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    chosen = set(argv)
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if chosen and name not in chosen:
            continue
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"\n## {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}")
        failures += 0 if module.run() else 1
    print(f"\n{failures} benchmark module(s) missed a target" if failures else "\nall targets met")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Discovery + sign-off of 50 installed plugins, integrity included: warm (digest cache) and cold."""

from __future__ import annotations

import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from helpers.distributions import build_wheel, pip_install, write_project
from measure import figure, median_ms

from vtcode.config.models import PluginsConfig
from vtcode.plugins.digest_cache import DigestCache
from vtcode.plugins.loader import sign_off_all

COUNT = 50
SOURCE = "from vtcode_hookspecs import hookimpl\n\n@hookimpl\ndef register_tools(register):\n    pass\n" + (
    "# padding to a realistic module size\n" * 200
)


def _sign_off_all(path: list[str], cache: DigestCache) -> int:
    return len(sign_off_all(PluginsConfig(), path=path, cache=cache))


def run() -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["VTCODE_CACHE_DIR"] = str(root / "cache")
        os.environ["VTCODE_CONFIG_DIR"] = str(root / "config")
        wheels = [
            build_wheel(
                write_project(
                    root / "src" / f"p{i}",
                    f"vtcode-bench-{i}",
                    {f"vtcode_bench_{i}": SOURCE},
                    {f"bench{i}": f"vtcode_bench_{i}"},
                ),
                root / "wheels",
            )
            for i in range(COUNT)
        ]
        target = str(pip_install(wheels, root / "site"))
        path = [target, *sys.path]
        assert _sign_off_all([target], DigestCache.open()) == COUNT
        scan = median_ms(
            lambda: [d.read_text("entry_points.txt") for d in metadata.distributions(path=path)], 11
        )
        cold = median_ms(lambda: _sign_off_all(path, DigestCache.in_memory()), 11)
        warm = median_ms(lambda: _sign_off_all(path, DigestCache.open()), 11)
    ok = figure(
        f"discovery + sign-off of {COUNT} plugins, warm",
        warm,
        "bare metadata scan",
        scan,
        "< 100 ms",
        warm < 100,
    )
    figure(
        f"discovery + sign-off of {COUNT} plugins, cold (no digest cache)",
        cold,
        "bare metadata scan",
        scan,
        "none (reported)",
        True,
    )
    return ok

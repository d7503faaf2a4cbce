"""A fresh virtual environment with real installs of vtcode and plugins, offline.

The wheels under test are installed by pip. Their third-party dependencies (pydantic, click, ...) are
made importable by a .pth file pointing at links to the copies already installed here, because tests
must not reach the network.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _closure(names: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        for requirement in metadata.distribution(name).requires or []:
            if "extra ==" in requirement:
                continue
            if ";" in requirement:
                from packaging.markers import Marker

                if not Marker(requirement.split(";", 1)[1]).evaluate():
                    continue
            todo.append(re.split(r"[\s;<>=!~\[(]", requirement, maxsplit=1)[0])
    return seen


def link_dependencies(deps_dir: Path, of: str = "vtcode") -> None:
    """Symlink the top-level packages and dist-info of every dependency of `of` (not `of` itself)."""
    deps_dir.mkdir(parents=True, exist_ok=True)
    for name in sorted(_closure([of]) - {of}):
        dist = metadata.distribution(name)
        tops = {str(f).split("/")[0] for f in dist.files or () if not str(f).startswith("..")}
        for top in tops:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (deps_dir / top).exists():
                (deps_dir / top).symlink_to(source)


class Venv:
    def __init__(self, root: Path) -> None:
        self.root = root
        venv.EnvBuilder(with_pip=False, clear=True).create(root)
        self.python = root / "bin" / "python"
        site = next((root / "lib").glob("python3*/site-packages"))
        link_dependencies(root / "deps")
        (site / "vtcode-test-deps.pth").write_text(str(root / "deps") + "\n")

    def install(self, *wheels: Path) -> None:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(self.python),
                "install",
                "--quiet",
                "--no-deps",
                "--no-index",
                "--disable-pip-version-check",
                *map(str, wheels),
            ],
            check=True,
            capture_output=True,
        )

    def vtcode(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        merged = {**os.environ, **(env or {})}
        merged.pop("PYTHONPATH", None)
        return subprocess.run(
            [str(self.root / "bin" / "vtcode"), *args],
            env=merged,
            cwd=cwd,
            text=True,
            capture_output=True,
            check=check,
            timeout=120,
        )

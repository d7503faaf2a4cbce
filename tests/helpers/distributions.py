"""Build real plugin wheels with hatchling and install them with pip, as a user's machine would."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def write_project(
    root: Path,
    distribution: str,
    modules: dict[str, str],
    entry_points: dict[str, str],
    version: str = "1.0.0",
    group: str = "vtcode",
) -> Path:
    """A minimal hatchling project: `modules` maps a package name to its __init__.py source; the
    entry points go in `group` (vtcode's own, or another program's, e.g. pydantic's)."""
    root.mkdir(parents=True, exist_ok=True)
    eps = "\n".join(f'{name} = "{value}"' for name, value in entry_points.items())
    packages = ", ".join(f'"{m}"' for m in modules)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "{distribution}"
        version = "{version}"
        requires-python = ">=3.11"

        [project.entry-points.{group}]
        {{eps}}

        [tool.hatch.build.targets.wheel]
        packages = [{packages}]
        """).replace("{eps}", eps)
    )
    for module, source in modules.items():
        (root / module).mkdir(exist_ok=True)
        (root / module / "__init__.py").write_text(textwrap.dedent(source))
    return root


def build_wheel(project: Path, out: Path) -> Path:
    """Build with hatchling's own builder, in process: a real wheel, without pip's start-up cost."""
    from hatchling.builders.wheel import WheelBuilder

    out.mkdir(parents=True, exist_ok=True)
    built = list(WheelBuilder(str(project)).build(directory=str(out), versions=["standard"]))
    return Path(built[0])


def pip_install(wheels: list[Path], target: Path) -> Path:
    """`pip install --target`: pip writes RECORD (with hashes) and compiles .pyc files, as for real."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *map(str, wheels),
        ],
        check=True,
        capture_output=True,
    )
    return target


def copy_fixture(name: str, dest: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / name, dest / name))

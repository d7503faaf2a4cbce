"""Write a plugin project from the templates beside this module (string.Template: no Jinja dependency).

The project is rendered into a temporary sibling directory and renamed into place, so a failure leaves
nothing behind and an existing directory is never touched.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from vtcode import __version__

from .names import PluginNames, ScaffoldError


@dataclass(frozen=True)
class FamilyKit:
    module: str  # the implementation module inside the package
    about: str  # one line for the README and the package description
    usage: str = ""  # a README paragraph on how a user turns it on


FAMILY_KITS: dict[str, FamilyKit] = {
    "tools": FamilyKit("tool", "The ${entry} tool: lines, words and bytes of a file in the workspace."),
    "providers": FamilyKit(
        "provider",
        "An echo LLM provider: streams back the last user message.",
        'Use it: `vtcode exec --provider ${entry} --model echo-1 "hello"`.',
    ),
    "indexers": FamilyKit("indexer", "A code indexer of Python def and class lines."),
    "storage": FamilyKit("store", "A session store keeping each session as a JSON file."),
    "sandboxes": FamilyKit(
        "backend",
        "A sandbox backend running commands under bubblewrap (bwrap).",
        'Use it: `[sandbox] backend = "${entry}"` in vtcode.toml (user or managed; a workspace cannot).',
    ),
    "event_sinks": FamilyKit(
        "sink",
        "An event sink appending every event as a JSON line to a file.",
        'Use it: `[events.sinks.${entry}] path = "~/vtcode-events.jsonl"` in the user or managed '
        "vtcode.toml.",
    ),
    "commands": FamilyKit(
        "command", "A CLI command counting files by extension.", "Use it: `vtcode ${name} [DIR] [--json]`."
    ),
    "lifecycle": FamilyKit(
        "hook",
        "A lifecycle hook denying a download piped into a shell.",
        "Hooks can only tighten: see docs/hooks.md.",
    ),
    "config": FamilyKit(
        "settings",
        "A table of vtcode.toml of its own, [${entry}], checked by vtcode's loader with its model.",
        'Use it: `[${entry}] greeting = "hi"` in vtcode.toml (a bad key is refused before anything runs).',
    ),
    "review": FamilyKit(
        "review",
        "A policy review denying git push to protected remotes.",
        "Protected remotes: edit `PROTECTED_REMOTES` in the module (default `upstream`).",
    ),
}


def scaffold(names: PluginNames, family: str, output: Path) -> Path:
    """Create `output/<dist>` and return it; refuse if it exists."""
    kit = FAMILY_KITS.get(family)
    if kit is None:
        raise ScaffoldError(f"unknown hook family {family!r}; choose one of {', '.join(FAMILY_KITS)}")
    target = output / names.dist
    if target.exists() or target.is_symlink():
        raise ScaffoldError(f"{target}: already exists; choose another --output or remove it first")
    if not output.is_dir():
        raise ScaffoldError(f"{output}: not a directory")
    values = _values(names, family, kit)
    files = {
        "pyproject.toml": "common/pyproject.toml.tmpl",
        "README.md": "common/README.md.tmpl",
        "conftest.py": "common/conftest.py.tmpl",
        f"{names.module}/__init__.py": f"{family}/init.py.tmpl",
        f"{names.module}/{kit.module}.py": f"{family}/impl.py.tmpl",
        f"{names.module}/py.typed": None,
        f"tests/test_{names.entry}.py": f"{family}/test.py.tmpl",
        "tests/test_install.py": "common/test_install.py.tmpl",
    }
    staging = Path(tempfile.mkdtemp(prefix=f".{names.dist}-", dir=output))
    try:
        for relative, template in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(_render(template, values) if template else "", encoding="utf-8")
            path.chmod(0o644)  # the author's project, not vtcode's private files (vtcode runs umask 077)
        for directory in (staging, *(p for p in staging.rglob("*") if p.is_dir())):
            directory.chmod(0o755)
        staging.rename(target)  # the project appears whole or not at all
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _values(names: PluginNames, family: str, kit: FamilyKit) -> dict[str, str]:
    base = {
        "name": names.name,
        "dist": names.dist,
        "module": names.module,
        "entry": names.entry,
        "env": names.env,
        "cls": "".join(part.capitalize() for part in names.entry.split("_")),
        "family": family,
        "vtcode_version": __version__,
        "install_vtcode": install_vtcode_step(),
    }
    about, usage = (Template(text).substitute(base) for text in (kit.about, kit.usage))
    return {**base, "about": about, "usage": usage}


def install_vtcode_step() -> str:
    """The README's step installing vtcode into the plugin's venv, from where the running vtcode came.

    From an index (PyPI), `pip install -e '.[test]'` finds it by itself: no step. From a source tree, a
    wheel file or a VCS URL (vtcode is not on PyPI yet, or a development build), that same source is
    named, so the steps work on the author's machine today; they stay right once vtcode is published.
    """
    from vtcode.scaffold.origin import vtcode_origin

    origin = vtcode_origin()
    if origin is None:
        return ""
    return (
        f"pip install {origin}   # vtcode itself, from where this scaffold's vtcode came; once vtcode is\n"
        "                         # on PyPI (or already installed in this venv) this line is not needed\n"
    )


def _render(template: str, values: dict[str, str]) -> str:
    source = resources.files(__package__).joinpath("templates", *template.split("/"))
    return Template(source.read_text(encoding="utf-8")).substitute(values)

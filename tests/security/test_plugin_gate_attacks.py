"""Attacks on the plugin sign-off gate. Each test first shows the attack is real, where it can be shown,
then that the gate stops it."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers.plugin_sources import tool_plugin

from vtcode.config.models import PluginsConfig
from vtcode.errors import PluginRegistrationRefused
from vtcode.events import EventBus
from vtcode.plugins import Status, load_plugins
from vtcode.plugins.approvals import record_approval
from vtcode.plugins.discovery import discover
from vtcode.plugins.integrity import record_digest
from vtcode.plugins.manager import GatedPluginManager

EVIL = """
import os
from pathlib import Path
from pydantic import BaseModel
from vtcode_hookspecs import RiskClass, ToolResult, hookimpl
Path(os.environ["VTCODE_T_EVIL"]).write_text("evil code ran")

class Args(BaseModel):
    pass

class T:
    name = "evil"
    description = "planted"
    args_model = Args
    risk = RiskClass.READ
    def invoke(self, ctx, args):
        return ToolResult(ok=True, output="evil")

@hookimpl
def register_tools(register):
    register(T())
"""


def _approve_all(target: Path) -> None:
    for candidate in discover([str(target)]).candidates:
        record_approval(candidate.distribution, candidate.version, record_digest(candidate)[0], ["tools"])


def _load(target: Path, **config: object):  # type: ignore[no-untyped-def]
    return load_plugins(PluginsConfig(**config), EventBus(), path=[str(target)])


def test_rewritten_pyc_behind_valid_header_does_not_run(install_plugins, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    evil_marker = tmp_path / "evil.txt"
    monkeypatch.setenv("VTCODE_T_EVIL", str(evil_marker))
    target = install_plugins(
        ("vtcode-t-pyc", {"vtcode_t_pyc": tool_plugin("vtcode_t_pyc", "genuine")}, {"pyc": "vtcode_t_pyc"})
    )
    source = target / "vtcode_t_pyc" / "__init__.py"
    pyc = target / "vtcode_t_pyc" / "__pycache__" / f"__init__.{sys.implementation.cache_tag}.pyc"
    assert pyc.exists(), "pip compiles installed modules; the attack needs that .pyc"
    header = pyc.read_bytes()[:16]  # magic, flags, source mtime and size: still matching the source
    pyc.write_bytes(header + marshal.dumps(compile(EVIL, str(source), "exec")))

    # The attack is real: a plain import runs the planted bytecode, although RECORD still verifies.
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("PYTHONPYCACHEPREFIX", None)
    subprocess.run([sys.executable, "-c", "import vtcode_t_pyc"], env=env, check=True)
    assert evil_marker.read_text() == "evil code ran"
    evil_marker.unlink()

    _approve_all(target)
    host = _load(target)
    record = host.record("pyc")
    assert record is not None and record.status is Status.SIGNED_OFF and record.integrity == "verified"
    assert host.registries.tools.names() == ["genuine"]
    assert not evil_marker.exists()


def test_same_named_package_earlier_on_path_is_refused(install_plugins, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    evil_marker = tmp_path / "evil.txt"
    monkeypatch.setenv("VTCODE_T_EVIL", str(evil_marker))
    target = install_plugins(
        (
            "vtcode-t-shadow",
            {"vtcode_t_shadow": tool_plugin("vtcode_t_shadow", "genuine")},
            {"shadow": "vtcode_t_shadow"},
        )
    )
    _approve_all(target)
    shadow = tmp_path / "cwd"
    (shadow / "vtcode_t_shadow").mkdir(parents=True)
    (shadow / "vtcode_t_shadow" / "__init__.py").write_text(EVIL)
    monkeypatch.syspath_prepend(str(shadow))  # as the working directory is under `python -m`, or PYTHONPATH
    host = _load(target)
    record = host.record("shadow")
    assert record is not None and record.status is Status.BLOCKED
    assert "shadowed" in record.reason and str(shadow) in record.reason
    assert not evil_marker.exists()
    assert "evil" not in host.registries.tools


def test_two_distributions_one_entry_point_name_blocks_both(
    install_plugins, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "imported.txt"
    monkeypatch.setenv("VTCODE_T_MARKER", str(marker))
    target = install_plugins(
        ("vtcode-t-x1", {"vtcode_t_x1": tool_plugin("vtcode_t_x1", "x1")}, {"dup": "vtcode_t_x1"}),
        ("vtcode-t-x2", {"vtcode_t_x2": tool_plugin("vtcode_t_x2", "x2")}, {"dup": "vtcode_t_x2"}),
    )
    _approve_all(target)
    host = _load(target)
    rows = [r for r in host.records if r.name == "dup"]
    assert len(rows) == 2
    for row in rows:
        assert row.status is Status.BLOCKED
        assert "declared by vtcode-t-x1 and vtcode-t-x2" in row.reason
    assert not marker.exists() and len(host.registries.tools) == 0


def test_edited_installed_file_is_tampered(install_plugins, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "imported.txt"
    monkeypatch.setenv("VTCODE_T_MARKER", str(marker))
    target = install_plugins(
        ("vtcode-t-edit", {"vtcode_t_edit": tool_plugin("vtcode_t_edit", "e")}, {"edit": "vtcode_t_edit"})
    )
    _approve_all(target)
    assert _load(target).record("edit").status is Status.SIGNED_OFF  # type: ignore[union-attr]
    marker.unlink()
    module = target / "vtcode_t_edit" / "__init__.py"
    stat = module.stat()
    module.write_text(module.read_text() + "\n# one more line\n")
    os.utime(
        module, ns=(stat.st_atime_ns, stat.st_mtime_ns)
    )  # restore mtime: the digest cache must not be fooled
    record = _load(target).record("edit")
    assert record is not None and record.status is Status.TAMPERED
    assert record.reason == "integrity: vtcode_t_edit/__init__.py: contents differ from RECORD"
    assert not marker.exists()


def test_module_dropped_into_the_package_is_tampered(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-drop", {"vtcode_t_drop": tool_plugin("vtcode_t_drop", "d")}, {"drop": "vtcode_t_drop"})
    )
    _approve_all(target)
    (target / "vtcode_t_drop" / "extra.py").write_text("print('hi')\n")
    record = _load(target).record("drop")
    assert record is not None and record.status is Status.TAMPERED
    assert "unlisted code file" in record.reason


def test_record_rewritten_to_match_an_edit_needs_reapproval(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-rec", {"vtcode_t_rec": tool_plugin("vtcode_t_rec", "r")}, {"rec": "vtcode_t_rec"})
    )
    _approve_all(target)
    module = target / "vtcode_t_rec" / "__init__.py"
    module.write_text(module.read_text() + "\n# edited\n")
    record_file = next(target.glob("vtcode_t_rec-*.dist-info")) / "RECORD"
    import base64
    import hashlib

    digest = base64.urlsafe_b64encode(hashlib.sha256(module.read_bytes()).digest()).rstrip(b"=").decode()
    lines = [
        f"vtcode_t_rec/__init__.py,sha256={digest},{module.stat().st_size}"
        if line.startswith("vtcode_t_rec/__init__.py,")
        else line
        for line in record_file.read_text().splitlines()
    ]
    record_file.write_text("\n".join(lines) + "\n")
    record = _load(target).record("rec")
    assert record is not None and record.status is Status.NEEDS_APPROVAL
    assert record.integrity == "verified"  # RECORD agrees with the files; the approval's digest does not


def test_registration_outside_the_gate_is_refused() -> None:
    pm = GatedPluginManager()

    class Plugin:
        pass

    with pytest.raises(PluginRegistrationRefused, match="outside the sign-off gate"):
        pm.register(Plugin(), "sneaky")
    with pytest.raises(PluginRegistrationRefused):
        pm.load_setuptools_entrypoints("vtcode")
    assert not pm.has_plugin("sneaky")


def test_blocked_name_cannot_be_registered_later(install_plugins) -> None:  # type: ignore[no-untyped-def]
    target = install_plugins(
        ("vtcode-t-late", {"vtcode_t_late": tool_plugin("vtcode_t_late", "l")}, {"late": "vtcode_t_late"})
    )
    host = _load(target)  # not approved -> blocked
    assert host.pm.is_blocked("late")
    import vtcode_t_late  # type: ignore[import-not-found]

    with host.pm.gate():
        assert host.pm.register(vtcode_t_late, "late") is None  # pluggy refuses blocked names
    assert not host.pm.has_plugin("late")

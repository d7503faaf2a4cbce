"""`.pth` files that run code at Python's start: seen, attributed to their distribution, and refused unless
approved or a known packaging tool. Real wheels built with hatchling and installed by pip."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from helpers.distributions import build_wheel, pip_install

from vtcode.errors import PluginBlocked
from vtcode.plugins.approvals import record_approval
from vtcode.plugins.pth import executable_lines, refuse_unapproved, scan, scan_customize

PAYLOAD = "import os; open(os.environ.get('PTH_MARKER', '/dev/null'), 'w').write('ran')\n"


def _wheel_with_pth(tmp_path: Path, distribution: str = "sneaky-paths", version: str = "1.0.0") -> Path:
    """A distribution that ships no plugin at all, only a `.pth` whose line Python executes at start."""
    root = tmp_path / f"src-{distribution}-{version}"
    (root / "sneaky").mkdir(parents=True)
    (root / "sneaky" / "__init__.py").write_text("")
    (root / "sneaky.pth").write_text(PAYLOAD)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [project]
        name = "{distribution}"
        version = "{version}"

        [tool.hatch.build.targets.wheel]
        packages = ["sneaky"]

        [tool.hatch.build.targets.wheel.force-include]
        "sneaky.pth" = "sneaky.pth"
        """))
    return build_wheel(root, tmp_path / f"whl-{distribution}-{version}")


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    return pip_install([_wheel_with_pth(tmp_path)], tmp_path / "site")


def test_an_unapproved_distributions_pth_is_found_and_named(site_dir: Path) -> None:
    [found] = scan([site_dir])
    assert found.path == site_dir / "sneaky.pth"
    assert (found.distribution, found.version, found.accepted) == ("sneaky_paths", "1.0.0", False)
    assert found.lines == (PAYLOAD.rstrip("\n"),)
    with pytest.raises(PluginBlocked) as refused:
        refuse_unapproved([found])
    message = str(refused.value)
    assert "sneaky.pth" in message and "sneaky_paths 1.0.0" in message and "\n" not in message


def test_an_approval_binds_the_version_and_record(site_dir: Path) -> None:
    record = (site_dir / "sneaky_paths-1.0.0.dist-info" / "RECORD").read_text().encode()
    # (the digest a plugin approval records: vtcode.plugins.integrity.record_digest)
    record_approval("sneaky-paths", "1.0.0", "sha256:" + hashlib.sha256(record).hexdigest(), ["pth"])
    [approved] = scan([site_dir])
    assert approved.accepted, approved.reason
    refuse_unapproved([approved])
    # A RECORD rewritten to match an edited .pth no longer matches the approval.
    (site_dir / "sneaky_paths-1.0.0.dist-info" / "RECORD").write_bytes(record + b"extra.py,,\n")
    [changed] = scan([site_dir])
    assert not changed.accepted and "changed since it was approved" in changed.reason


def test_paths_only_pth_files_are_not_code(tmp_path: Path) -> None:
    (tmp_path / "paths.pth").write_text("/somewhere\n# import nothing\n  import indented-is-a-path\n")
    assert scan([tmp_path]) == []
    assert executable_lines("import\tx\nimportx\n import y\n") == ("import\tx",)


def test_a_pth_nobody_owns_is_refused_except_virtualenvs_own(tmp_path: Path) -> None:
    (tmp_path / "_virtualenv.pth").write_text("import _virtualenv\n")
    [virtualenv] = scan([tmp_path])
    assert virtualenv.accepted
    (tmp_path / "_virtualenv.pth").write_text("import _virtualenv\nimport os; os.system('id')\n")
    (tmp_path / "dropped.pth").write_text(PAYLOAD)
    found = {p.path.name: p for p in scan([tmp_path])}
    assert not found["_virtualenv.pth"].accepted and not found["dropped.pth"].accepted
    assert found["dropped.pth"].reason == "listed in no distribution's RECORD"


def _fake_dist(site: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    rows = []
    for path, data in files.items():
        (site / path).write_bytes(data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rows.append(f"{path},sha256={digest},{len(data)}")
    (info / "RECORD").write_text("\n".join(rows) + f"\n{info.name}/RECORD,,\n")
    return info


SHIM = (b"import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; "
        b"enabled and __import__('_distutils_hack').add_shim(); \n")


def _setuptools(site: Path, shim: bytes = SHIM) -> Path:
    (site / "_distutils_hack").mkdir(parents=True, exist_ok=True)
    files = {"distutils-precedence.pth": shim, "_distutils_hack/__init__.py": b"def add_shim(): pass\n"}
    return _fake_dist(site, "setuptools", "69.0.0", files)


def test_setuptools_distutils_shim_is_accepted_only_as_recorded(tmp_path: Path) -> None:
    _setuptools(tmp_path)
    [found] = scan([tmp_path])
    assert found.accepted and found.distribution == "setuptools", found.reason
    (tmp_path / "distutils-precedence.pth").write_bytes(SHIM + b"import os; os.system('id')\n")
    [edited] = scan([tmp_path])
    assert not edited.accepted


def test_setuptools_shim_with_another_line_is_refused_even_if_recorded(tmp_path: Path) -> None:
    """A RECORD hash proves only that the RECORD was written for the file: the line must be setuptools'."""
    _setuptools(tmp_path, b"import os; os.system('id')\n")
    [found] = scan([tmp_path])
    assert not found.accepted and "does not ship" in found.reason


def test_setuptools_shim_module_edited_is_refused(tmp_path: Path) -> None:
    _setuptools(tmp_path)
    (tmp_path / "_distutils_hack" / "__init__.py").write_text("import os; os.system('id')\n")
    [found] = scan([tmp_path])
    assert not found.accepted and "_distutils_hack" in found.reason


def test_a_forged_setuptools_record_is_refused(tmp_path: Path) -> None:
    """A wheel that ships its own `setuptools-*.dist-info` (listed in its RECORD) forges setuptools."""
    _setuptools(tmp_path)
    forged = tmp_path / "setuptools-99.0.dist-info"
    forged.mkdir()
    (forged / "RECORD").write_text((tmp_path / "setuptools-69.0.0.dist-info" / "RECORD").read_text())
    [two] = scan([tmp_path])
    assert not two.accepted and "2 setuptools" in two.reason
    shutil.rmtree(tmp_path / "setuptools-69.0.0.dist-info")
    _fake_dist(tmp_path, "evil", "1.0", {"evil.txt": b"x"})
    record = tmp_path / "evil-1.0.dist-info" / "RECORD"
    record.write_text(record.read_text() + "setuptools-99.0.dist-info/RECORD,,\n")
    [alone] = scan([tmp_path])
    assert not alone.accepted and "evil-1.0.dist-info" in alone.reason


@pytest.mark.parametrize("prefix", [b"\xef\xbb\xbf", b"", b"# comment\n"])
def test_a_pth_starting_with_a_byte_order_mark_is_seen(tmp_path: Path, prefix: bytes) -> None:
    """Python 3.13's site decodes .pth files as utf-8-sig: `\\ufeffimport os` runs there."""
    (tmp_path / "bom.pth").write_bytes(prefix + PAYLOAD.encode())
    [found] = scan([tmp_path])
    assert not found.accepted and found.lines == (PAYLOAD.rstrip("\n"),)


def test_an_approved_distributions_pth_must_match_its_record(site_dir: Path) -> None:
    record = (site_dir / "sneaky_paths-1.0.0.dist-info" / "RECORD").read_text().encode()
    record_approval("sneaky-paths", "1.0.0", "sha256:" + hashlib.sha256(record).hexdigest(), ["pth"])
    (site_dir / "sneaky.pth").write_text(PAYLOAD + "import os; os.system('id')\n")
    [edited] = scan([site_dir])
    assert not edited.accepted and "does not match" in edited.reason


@pytest.mark.parametrize("module", ["sitecustomize", "usercustomize"])
def test_customize_modules_on_the_path_are_judged_like_pth(tmp_path: Path, module: str) -> None:
    """`site` imports sitecustomize/usercustomize from anywhere on sys.path at every start."""
    (tmp_path / f"{module}.py").write_text("import os; os.system('id')\n")
    [found] = scan([tmp_path])
    assert found.path == tmp_path / f"{module}.py"
    assert not found.accepted and found.reason == "listed in no distribution's RECORD"
    (tmp_path / f"{module}.py").unlink()
    (tmp_path / module).mkdir()
    (tmp_path / module / "__init__.py").write_text("import os\n")
    [package] = scan([tmp_path])
    assert not package.accepted


def test_the_interpreters_own_sitecustomize_is_accepted() -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    found = scan_customize([stdlib])
    assert all(f.accepted for f in found), found


def test_an_editable_install_the_user_made_is_accepted(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    pth = {"__editable__.myproj-0.1.pth": b"import __editable___myproj_finder\n"}
    info = _fake_dist(site, "myproj", "0.1", pth)
    editable = {"url": f"file://{tmp_path}", "dir_info": {"editable": True}}
    (info / "direct_url.json").write_text(json.dumps(editable))
    [found] = scan([site])
    assert found.accepted, found.reason
    (info / "direct_url.json").write_text(json.dumps(editable | {"url": "file:///no/such/dir"}))
    [claimed] = scan([site])
    assert not claimed.accepted


@pytest.mark.slow
def test_exec_refuses_to_start_and_plugins_list_shows_it(tmp_path: Path) -> None:
    """For real: a venv with vtcode and the distribution installed by pip; Python runs the line (the marker
    proves it), then `vtcode exec` refuses with one line and `plugins list` shows the file."""
    from helpers.venv import REPO, Venv

    env = Venv(tmp_path / "venv")
    env.install(build_wheel(REPO, tmp_path / "wheels"), _wheel_with_pth(tmp_path))
    marker = tmp_path / "ran.txt"
    ws = tmp_path / "ws"
    ws.mkdir()
    run = env.vtcode("exec", "hello", "--workspace", str(ws), env={"PTH_MARKER": str(marker)}, check=False)
    assert marker.read_text() == "ran"  # Python's site machinery ran it before vtcode could
    assert run.returncode == 2, run.stderr
    [line] = run.stderr.strip().splitlines()
    assert "sneaky.pth" in line and "sneaky_paths 1.0.0" in line and "Traceback" not in run.stderr
    tui = env.vtcode("--workspace", str(ws), env={"PTH_MARKER": str(marker)}, check=False)
    assert tui.returncode == 2 and "sneaky.pth" in tui.stderr and "Traceback" not in tui.stderr
    listed = env.vtcode("plugins", "list", "--json", cwd=ws, env={"PTH_MARKER": str(marker)})
    rows = json.loads(listed.stdout)["pth"]
    assert [(Path(r["path"]).name, r["accepted"]) for r in rows] == [("sneaky.pth", False)]
    env.vtcode("plugins", "approve", "sneaky-paths", cwd=ws, env={"PTH_MARKER": str(marker)})
    after = env.vtcode("exec", "hello", "--workspace", str(ws), env={"PTH_MARKER": str(marker)}, check=False)
    assert "sneaky.pth" not in after.stderr
    assert subprocess.run([sys.executable, "-c", "1"], check=True).returncode == 0


def test_a_sitecustomize_in_the_scripts_directory_is_not_what_site_imports(tmp_path: Path) -> None:
    """`site` runs before sys.path[0] (the script's directory, or the cwd) is added: a sitecustomize
    there does not run at start, and is not refused (a repository holding one stays usable)."""
    (tmp_path / "sitecustomize.py").write_text("open('ran', 'w')\n")
    done = subprocess.run([sys.executable, "-c", "import os; print(os.path.exists('ran'))"], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    saved = sys.path[0]
    try:
        sys.path[0] = str(tmp_path)
        assert all(f.path.parent != tmp_path for f in scan_customize())
    finally:
        sys.path[0] = saved

"""Wheel build hook: compile the sandbox launcher (plugins/vtcode_landlock/launcher.c) into the wheel as
`vtcode_landlock/_launcher`, so an installed vtcode needs no compiler. The wheel then carries a platform
tag. Editable installs and machines without a compiler get no binary here: vtcode builds it on first use
into the user's cache, or falls back to its fork server (see docs/security/sandbox.md).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = Path("plugins") / "vtcode_landlock"


class LauncherBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable" or not sys.platform.startswith("linux"):
            return
        package = Path(self.root) / PACKAGE
        spec = importlib.util.spec_from_file_location("_vtcode_build_launcher", package / "build_launcher.py")
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load {package / 'build_launcher.py'}")
        build = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(build)  # stdlib only: the package itself is not importable here
        if build.find_compiler() is None:
            self.app.display_warning("no C compiler: the wheel ships no sandbox launcher (built on first use "
                                     "where a compiler exists, else the fork server is used)")
            return
        self._work = tempfile.mkdtemp(prefix="vtcode-launcher-")
        binary = Path(self._work) / build.BINARY_NAME
        try:
            build.compile_launcher(package / build.SOURCE_NAME, binary)
        except build.LauncherBuildError as exc:
            # An install must not fail over it (a newer gcc may warn where -Werror stops it); the tests
            # fail instead wherever a compiler exists but no launcher can be had.
            self.app.display_warning(f"the sandbox launcher was not built ({exc}); the fork server is used")
            return
        binary.chmod(0o755)
        build_data["force_include"][str(binary)] = f"vtcode_landlock/{build.BINARY_NAME}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        work = getattr(self, "_work", None)
        if work:
            shutil.rmtree(work, ignore_errors=True)

"""The pluggy markers. The project name is the namespace every vtcode hook lives in."""

from __future__ import annotations

import pluggy

PROJECT_NAME = "vtcode"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

from __future__ import annotations

import pytest

from vtcode.config.models import PluginsConfig
from vtcode.events import EventBus
from vtcode.plugins import PluginHost, load_plugins


@pytest.fixture(scope="module")
def host() -> PluginHost:
    return load_plugins(PluginsConfig(), EventBus())


@pytest.fixture
def bus() -> EventBus:
    return EventBus()

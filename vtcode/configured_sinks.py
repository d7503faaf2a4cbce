"""Choose and configure the event sinks of a session from vtcode.toml, and open the session.

`stderr` runs unless `[events] stderr = "off"`; `jsonl`, the audit log, runs when `[audit] enabled`; any
other registered sink runs when `[events.sinks.<name>]` configures it. A sink that fails to configure is
reported as an `error` event; if it is the audit log, security events are refused from then on.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from vtcode_hookspecs import Error, EventSink, SinkSettings

from vtcode.config.models import VtcodeConfig
from vtcode.errors import InvariantError
from vtcode.events import EventBus
from vtcode.events.worker import _one_line
from vtcode.paths import audit_dir, note_state_dir

AUDIT_SINK = "jsonl"


def session_info(workspace: Path) -> dict[str, Any]:
    from vtcode import __version__

    return {
        "workspace": str(workspace),
        "version": __version__,
        "user": _user(),
        "host": socket.gethostname(),
        "pid": os.getpid(),
    }


def attach_configured(bus: EventBus, sinks: Iterable[EventSink], config: VtcodeConfig) -> list[str]:
    """Configure and attach the sinks the configuration asks for; return the names attached."""
    registered = {sink.name: sink for sink in sinks}
    wanted: dict[str, dict[str, Any]] = {}
    if config.events.stderr != "off":
        wanted["stderr"] = {"format": config.events.stderr}
    if config.audit.enabled:
        wanted[AUDIT_SINK] = {}
    wanted.update(config.events.sinks)
    if config.audit.dir:
        note_state_dir(audit_dir(config.audit.dir))  # the jail and the sandbox guard it like the defaults
    base = SinkSettings(
        session=bus.session,
        audit_dir=str(audit_dir(config.audit.dir)),
        fsync=config.audit.fsync,
        rotate_bytes=config.audit.rotate_bytes,
        user=_user(),
        host=socket.gethostname(),
    )
    attached = []
    for name, options in wanted.items():
        sink = registered.get(name)
        problem = None
        if sink is None:
            problem = f"event sink {name!r} is configured but no signed-off plugin registers it"
        else:
            problem = _configure(sink, base.model_copy(update={"options": options}))
        if problem is not None:
            if name == AUDIT_SINK:
                bus.audit_unavailable(problem)
            bus.record(Error(message=problem, sink=name))
            continue
        if sink is None:
            raise InvariantError("a configured sink vanished from the registry")
        bus.attach([sink])
        attached.append(name)
    return attached


def _configure(sink: EventSink, settings: SinkSettings) -> str | None:
    configure = getattr(sink, "configure", None)
    if configure is None:
        return None
    try:
        configure(settings)
    except (ValueError, OSError) as exc:
        return f"event sink {sink.name}: {_one_line(exc)}"
    except Exception as exc:  # a plugin's bug: reported, the sink stays off, the others run
        return f"event sink {sink.name} failed to configure: {_one_line(exc)}"
    return None


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())

"""Where the running vtcode was installed from (PEP 610 `direct_url.json`), as a `pip install` argument.

None when it came from a package index: `pip install vtcode` then works as written. Otherwise the same
source: the source tree (a plain or editable install of a checkout), the wheel or sdist file, or the VCS
URL with its commit.
"""

from __future__ import annotations

import json
import shlex
from importlib import metadata
from urllib.parse import unquote, urlparse


def vtcode_origin() -> str | None:
    try:
        text = metadata.distribution("vtcode").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None
    if not text:
        return None  # from an index
    try:
        info = json.loads(text)
    except ValueError:
        return None
    url = str(info.get("url", ""))
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs"):
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        return shlex.quote(f"{vcs['vcs']}+{url}" + (f"@{commit}" if commit else ""))
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return shlex.quote(unquote(parsed.path))
    return shlex.quote(url) if url else None

"""The user's plugin approvals: which distribution, version and RECORD digest, for which hook families.

An upgrade or an edit changes the version or the digest, so it needs a new approval.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vtcode.atomic import write_text_atomic
from vtcode.config.sources import error_from_validation, parse_text
from vtcode.distributions import canonical_name
from vtcode.paths import private_dir, user_config_dir

APPROVALS_FILE = "plugin-approvals.json"


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    distribution: str
    version: str
    record_digest: str | None
    families: list[str]
    approved_at: datetime
    approved_by: str


class ApprovalsDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=1, ge=1, le=1)
    approvals: list[Approval] = []


def approvals_path() -> Path:
    return user_config_dir() / APPROVALS_FILE


def load_approvals() -> dict[str, Approval]:
    """Approvals keyed by canonical distribution name. A malformed file is an error, never 'no approvals'
    silently replaced: the user must see that their file is broken."""
    path = approvals_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    data = parse_text(text, str(path), is_json=True)
    try:
        document = ApprovalsDocument.model_validate(data)
    except ValidationError as exc:
        raise error_from_validation(exc, str(path), text, is_json=True) from exc
    return {canonical_name(a.distribution): a for a in document.approvals}


def record_approval(
    distribution: str, version: str, record_digest: str | None, families: list[str]
) -> Approval:
    current = load_approvals()
    approval = Approval(
        distribution=distribution,
        version=version,
        record_digest=record_digest,
        families=sorted(set(families)),
        approved_at=datetime.now(UTC),
        approved_by=_who(),
    )
    current[canonical_name(distribution)] = approval
    _save(current)
    return approval


def revoke_approval(distribution: str) -> bool:
    current = load_approvals()
    if current.pop(canonical_name(distribution), None) is None:
        return False
    _save(current)
    return True


def _save(approvals: dict[str, Approval]) -> None:
    document = ApprovalsDocument(approvals=sorted(approvals.values(), key=lambda a: a.distribution))
    private_dir(approvals_path().parent)
    write_text_atomic(approvals_path(), json.dumps(document.model_dump(mode="json"), indent=2) + "\n")


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    tty = os.ttyname(0) if os.isatty(0) else "no-tty"
    return f"{user}@{tty}"

"""Save, load and list sessions under the user data dir. Writes are atomic; a file that does not
parse is reported and never overwritten."""

from __future__ import annotations

import re
from pathlib import Path

from vtcode_hookspecs import SessionRecord, SessionSummary

from vtcode.api import private_dir, user_data_dir, write_text_atomic

from .markdown import SessionFormatError, parse, render

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,127}")


class MarkdownStore:
    name = "markdown"

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory

    @property
    def directory(self) -> Path:
        return self._directory or user_data_dir() / "sessions"

    def _file(self, session_id: str) -> Path:
        # An id names a file in this directory and nothing else: no separator, no dot, no "..".
        if not _ID.fullmatch(session_id):
            raise KeyError(f"{session_id!r} is not a session id")
        return self.directory / f"{session_id}.md"

    def save(self, session: SessionRecord) -> None:
        file = self._file(session.id)
        if file.exists():
            self.load(session.id)  # refuses (raises) if the existing file is corrupted: never overwrite it
        private_dir(self.directory)
        write_text_atomic(file, render(session))

    def load(self, session_id: str) -> SessionRecord:
        file = self._file(session_id)
        try:
            text = _read(file)
        except FileNotFoundError as exc:
            raise KeyError(f"no session {session_id!r} in {self.directory}") from exc
        record = parse(text, str(file))
        if record.id != session_id:
            raise SessionFormatError(f"{file}: holds session {record.id!r}, not {session_id!r}")
        return record

    def list(self) -> list[SessionSummary]:
        found = []
        for file in sorted(self.directory.glob("*.md")):
            try:
                record = parse(_read(file), str(file))
            except (OSError, SessionFormatError):
                continue
            title = next(
                (m.content.splitlines()[0][:80] for m in record.messages if m.role == "user" and m.content),
                "",
            )
            found.append(
                SessionSummary(id=record.id, workspace=record.workspace, updated=record.updated, title=title)
            )
        return sorted(found, key=lambda s: s.updated, reverse=True)


def _read(file: Path) -> str:
    """The file's exact text: no newline translation, or a "\r" in a message would come back as "\n"."""
    data = file.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SessionFormatError(f"{file}: not UTF-8 text (byte {exc.start})") from exc

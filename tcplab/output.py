"""Writing the report's files into its folder, and nowhere else.

An output folder may have been handed to us with things already in it (a student's unpacked
hand-in with a ``report.html`` that is a symbolic link to a file of the teacher's, a
``ladders`` link to another folder). `Output` writes only below its folder, by names it makes
itself (never a name from a capture or a zip: `safe_part`), never through a symbolic link: each
folder on the way is checked to be a real folder, and each file is written to a new temporary
file beside it and renamed over the old name, so a link that stood there is replaced, never
followed. `errors` collects the tracebacks of internal errors (one file's, never the whole
report's) and `write_errors` puts them in ``errors.log``.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import traceback
from pathlib import Path

ERRORS_LOG = "errors.log"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class OutputError(Exception):
    """The output folder cannot be used (one line)."""


def safe_part(name: str, limit: int = 80) -> str:
    """A file or folder name made from any text: letters, digits, ``.``, ``_``, ``-`` only,
    not starting with a dot, at most `limit` characters; ``_`` when nothing is left."""
    cleaned = _UNSAFE.sub("_", name).strip("._")[:limit]
    return cleaned or "_"


class Output:
    """The folder a report is written into."""

    def __init__(self, root: Path) -> None:
        root = Path(os.path.abspath(root))
        try:
            root.mkdir(parents=True, exist_ok=True)
            info = os.lstat(root)
        except OSError as error:
            raise OutputError(f"{root}: cannot make the folder ({error.strerror})") from None
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise OutputError(f"{root}: not a folder (a symbolic link is not followed)")
        self.root = root
        self.errors: list[str] = []

    def folder(self, *parts: str) -> Path:
        """The folder root/parts..., made where missing; each part must be a plain name."""
        path = self.root
        for part in parts:
            if part in ("", ".", "..") or "/" in part or "\0" in part:
                raise OutputError(f"{part!r} is not a plain file name")
            path = path / part
            try:
                os.mkdir(path)
            except FileExistsError:
                pass
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
                raise OutputError(f"{path}: in the way of the report (a symbolic link or a file "
                                  "where a folder goes); remove it or write the report elsewhere")
        return path

    def path(self, *parts: str) -> Path:
        """Where the file root/parts... goes (its folder made); nothing written yet."""
        return self.folder(*parts[:-1]) / parts[-1]

    def write_bytes(self, parts: tuple[str, ...], data: bytes) -> Path:
        """Write a file at root/parts..., replacing whatever stood at that name."""
        target = self.path(*parts)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tcplab-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
            os.chmod(temporary, 0o644)
            if os.path.isdir(target) and not os.path.islink(target):
                raise OutputError(f"{target}: a folder stands where the report writes a file")
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
        return target

    def write_text(self, parts: tuple[str, ...], text: str) -> Path:
        return self.write_bytes(parts, text.encode("utf-8"))

    def relative(self, target: Path | None) -> str | None:
        """`target` relative to the folder (``/``-separated), for a link from the report; None
        when it is not a file, or its path has bytes that are not UTF-8 (no document can
        hold such a link)."""
        if target is None or not os.path.isfile(target) or os.path.islink(target):
            return None
        path = Path(os.path.relpath(target, self.root)).as_posix()
        try:
            path.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return path

    def error(self, what: str) -> None:
        """Keep the traceback being handled, with what was being done (for errors.log)."""
        self.errors.append(f"{what}\n{traceback.format_exc()}")

    def write_errors(self) -> Path | None:
        """errors.log with every traceback kept; None (and no file) when there is none."""
        if not self.errors:
            return None
        return self.write_text((ERRORS_LOG,), "\n".join(self.errors))

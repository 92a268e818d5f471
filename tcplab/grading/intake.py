"""Taking in what students hand in: a folder or the course platform's zip, safely.

`take(source, output)` lists every file of the hand-ins as a `HandIn`, each with the name to
show (`tcplab.names.shown`), the file to read, or why it is not read. Nothing in the hand-ins
is trusted:

- a folder is walked without following a symbolic link (a link is listed, with its target, and
  never read: nothing outside the folder is read) or opening anything but a regular file (a
  pipe would block, a device would never end); at most `MAX_DEPTH` folders deep;
- a zip - the platform's download, or one a student made - is unpacked into the output folder
  (``handins/NNNN/<name>``, names we make), member by member, its bytes counted as they come out
  (never trusting the size the zip declares): at most `MAX_FILE_BYTES` a file, `MAX_TOTAL_BYTES`
  and `MAX_FILES` in all; a member whose path leaves the zip's folder, a link, an encrypted or
  damaged member is listed with its reason; a zip inside the download is opened too, one level
  only. A member name's bytes that are not UTF-8 are kept and shown as ``\\xNN``.

Folder names the course platform writes say who handed a file in: Moodle's "Download all
submissions" (``Ani Lestari_123456_assignsubmission_file/tcp.pcapng``, or without folders
``Ani Lestari_123456_assignsubmission_file_tcp.pcapng``) and Canvas's
(``lestariani_123456_7890_tcp.pcapng``). `Submitter` keeps the student's name and number.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..i18n import Text as T
from ..names import shown
from ..output import Output, safe_part
from ..analysis.capture import MAX_CAPTURE_BYTES

MAX_FILE_BYTES = MAX_CAPTURE_BYTES
MAX_TOTAL_BYTES = 2 * 2**30  # 2 GiB unpacked from every zip together
MAX_FILES = 10_000
MAX_DEPTH = 16
HANDINS = "handins"  # the output folder's folder of what came out of zips
ZIP_MAGIC = b"PK\x03\x04"
COPY_BLOCK = 1 << 20

MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_[a-z]+_?$")
MOODLE_FILE = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_[a-z]+_"
                         r"(?P<file>.+)$")
CANVAS_FILE = re.compile(r"^(?P<name>[a-z0-9-]+?)(?:_late)?_(?P<id>\d+)_\d+_(?P<file>.+)$")


class IntakeError(Exception):
    """The hand-ins cannot be read at all (one line, `text`)."""

    def __init__(self, text: T) -> None:
        super().__init__(str(text))
        self.text = text


@dataclass(frozen=True)
class Submitter:
    """The student a course platform says handed a file in."""

    name: str  # as the platform writes it: "Ani Lestari", "lestariani"
    number: str  # the platform's number of the student ("123456")
    platform: str  # "moodle", "canvas"

    def key(self) -> str:
        return f"{self.platform}:{self.number}"


@dataclass
class HandIn:
    """One file of the hand-ins."""

    name: str  # shown: its path in the hand-ins (a zip member: "zip/member")
    file_name: str  # the name the student gave the file (the platform's prefix taken off)
    folders: tuple[str, ...]  # the folders it sits in, outermost first (raw names)
    path: Path | None  # the file to read; None when it is not read
    refused: T | None = None  # why it is not read
    submitter: Submitter | None = None


@dataclass
class _Budget:
    files: int = 0
    bytes: int = 0
    unpacked: int = 0  # handins/NNNN folders made


def take(source: Path, output: Output) -> list[HandIn]:
    """Every file of the hand-ins in `source`, a folder or a zip, in name order."""
    budget = _Budget()
    try:
        info = os.lstat(source)
    except OSError as error:
        raise IntakeError(T("intake.cannot_read", path=shown(str(source)),
                            error=error.strerror or str(error))) from None
    if stat.S_ISDIR(info.st_mode):
        return _walk(Path(source), (), output, budget, 0)
    if stat.S_ISREG(info.st_mode) and _starts_with(Path(source), ZIP_MAGIC):
        try:
            archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise IntakeError(T("intake.bad_zip", path=shown(str(source)),
                                error=str(error))) from None
        with archive:
            return _unpack(archive, (), output, budget, nested=False)
    raise IntakeError(T("intake.not_folder_or_zip", path=shown(str(source))))


def _starts_with(path: Path, magic: bytes) -> bool:
    try:
        with open(path, "rb") as stream:
            return stream.read(len(magic)) == magic
    except OSError:
        return False


def _hand_in(folders: tuple[str, ...], file_name: str, path: Path | None,
             refused: T | None = None, shown_name: str | None = None) -> HandIn:
    submitter, original = platform_submitter(folders, file_name)
    name = shown_name or shown("/".join([*folders, file_name]))
    return HandIn(name, original, folders, path, refused, submitter)


# --- a folder ----------------------------------------------------------------------------------

def _walk(folder: Path, folders: tuple[str, ...], output: Output, budget: _Budget,
          depth: int) -> list[HandIn]:
    found: list[HandIn] = []
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        return [_hand_in(folders[:-1], folders[-1] if folders else folder.name, None,
                         T("intake.folder_unreadable", error=error.strerror or str(error)))]
    for entry in entries:
        name = entry.name
        if budget.files >= MAX_FILES:
            found.append(_hand_in(folders, name, None, T("intake.too_many", limit=MAX_FILES)))
            break
        budget.files += 1
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as error:
            found.append(_hand_in(folders, name, None, T("intake.cannot_stat",
                                                         error=error.strerror or str(error))))
            continue
        if stat.S_ISLNK(info.st_mode):
            target = os.readlink(entry.path)
            found.append(_hand_in(folders, name, None, T("intake.symlink",
                                                         target=shown(target))))
        elif stat.S_ISDIR(info.st_mode):
            if depth >= MAX_DEPTH:
                found.append(_hand_in(folders, name, None, T("intake.too_deep",
                                                             limit=MAX_DEPTH)))
            else:
                found += _walk(Path(entry.path), (*folders, name), output, budget, depth + 1)
        elif not stat.S_ISREG(info.st_mode):
            found.append(_hand_in(folders, name, None, T("intake.not_a_file")))
        elif _starts_with(Path(entry.path), ZIP_MAGIC) and name.lower().endswith(".zip"):
            found += _nested_zip(Path(entry.path), (*folders, name), output, budget)
        else:
            found.append(_hand_in(folders, name, Path(entry.path)))
    return found


# --- a zip -------------------------------------------------------------------------------------

def member_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker wrote it: UTF-8 when the zip says so or the bytes are UTF-8
    (many tools write UTF-8 without saying); any other byte is kept as it is, for `shown` to
    write as ``\\xNN`` (which code page a Windows tool used cannot be told)."""
    if info.flag_bits & 0x800:
        return info.filename
    return info.filename.encode("cp437").decode("utf-8", "surrogateescape")


def _parts(name: str) -> list[str] | None:
    """A member's path as names, ``\\`` taken for ``/``; None when it leaves the zip's folder."""
    parts = [part for part in re.split(r"[/\\]", name) if part not in ("", ".")]
    if ".." in parts or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return None
    return parts


def _unpack(archive: zipfile.ZipFile, folders: tuple[str, ...], output: Output,
            budget: _Budget, nested: bool) -> list[HandIn]:
    found: list[HandIn] = []
    for info in archive.infolist():
        name = member_name(info)
        parts = _parts(name)
        if parts is None:
            found.append(_hand_in(folders, name, None, T("intake.escapes"),
                                  shown("/".join([*folders, name]))))
            continue
        if info.is_dir() or not parts:
            continue
        where, file_name = (*folders, *parts[:-1]), parts[-1]
        if budget.files >= MAX_FILES:
            found.append(_hand_in(where, file_name, None, T("intake.too_many", limit=MAX_FILES)))
            break
        budget.files += 1
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            found.append(_hand_in(where, file_name, None, T("intake.zip_link")))
        elif info.flag_bits & 0x1:
            found.append(_hand_in(where, file_name, None, T("intake.encrypted")))
        elif info.file_size > MAX_FILE_BYTES:
            found.append(_hand_in(where, file_name, None, T(
                "intake.too_large", size=info.file_size, limit=MAX_FILE_BYTES)))
        else:
            found += _extract(archive, info, where, file_name, output, budget, nested)
    return found


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, folders: tuple[str, ...],
             file_name: str, output: Output, budget: _Budget, nested: bool) -> list[HandIn]:
    """One member into handins/NNNN/; a zip in the download is opened in turn (one level)."""
    budget.unpacked += 1
    target = output.path(HANDINS, f"{budget.unpacked:04d}", safe_part(file_name))
    written = 0
    problem: T | None = None
    try:
        with archive.open(info) as source, open(target, "xb") as out:
            while block := source.read(COPY_BLOCK):
                written += len(block)
                if written > MAX_FILE_BYTES:
                    problem = T("intake.too_large", size=f"> {MAX_FILE_BYTES}",
                                limit=MAX_FILE_BYTES)
                    break
                if budget.bytes + written > MAX_TOTAL_BYTES:
                    problem = T("intake.total_too_large", limit=MAX_TOTAL_BYTES)
                    break
                out.write(block)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            RuntimeError) as error:
        problem = T("intake.damaged", error=shown(str(error), 120))
    except NotImplementedError as error:
        problem = T("intake.unsupported", error=shown(str(error), 120))
    except Exception as error:  # zlib, lzma, bz2 raise their own errors on damaged data
        problem = T("intake.damaged", error=shown(f"{type(error).__name__}: {error}", 120))
    budget.bytes += written
    if problem is not None:
        target.unlink(missing_ok=True)
        return [_hand_in(folders, file_name, None, problem)]
    if _starts_with(target, ZIP_MAGIC) and file_name.lower().endswith(".zip"):
        if nested:
            return [_hand_in(folders, file_name, None, T("intake.zip_in_zip"))]
        return _nested_zip(target, (*folders, file_name), output, budget)
    return [_hand_in(folders, file_name, target)]


def _nested_zip(path: Path, folders: tuple[str, ...], output: Output,
                budget: _Budget) -> list[HandIn]:
    """A zip a student handed in, opened: its files listed as in a folder of its name."""
    try:
        with zipfile.ZipFile(path) as archive:
            return _unpack(archive, folders, output, budget, nested=True)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        return [_hand_in(folders[:-1], folders[-1], None,
                         T("intake.damaged", error=shown(str(error), 120)))]


# --- who handed a file in ----------------------------------------------------------------------

def platform_submitter(folders: tuple[str, ...],
                       file_name: str) -> tuple[Submitter | None, str]:
    """The student the platform's names say handed the file in, and the file's own name."""
    for folder in reversed(folders):
        match = MOODLE_FOLDER.match(folder)
        if match:
            return Submitter(match["name"], match["id"], "moodle"), file_name
    for pattern, platform in ((MOODLE_FILE, "moodle"), (CANVAS_FILE, "canvas")):
        match = pattern.match(file_name)
        if match:
            return Submitter(match["name"], match["id"], platform), match["file"]
    return None, file_name


def person_key(name: str) -> str:
    """A person's name compared the way a platform may have written it: letters and digits
    only, no accents, any case (``Ani Lestari``, ``ani lestari``, ``anilestari``)."""
    plain = unicodedata.normalize("NFKD", name)
    return "".join(char for char in plain.casefold() if char.isalnum())


def same_person(roster_name: str, submitter: Submitter) -> bool:
    """Whether a roster's student is the platform's submitter (Canvas: surname first)."""
    words = [person_key(word) for word in roster_name.split()]
    given = person_key(submitter.name)
    return bool(given) and given in ("".join(words), "".join(reversed(words)))

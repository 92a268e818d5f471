"""Names from outside - file and folder names, zip members - as data that is safe to show.

A name a student, a zip or a file system gives us is any string of bytes: not UTF-8 (a zip made
on Windows), with control characters, a newline, ANSI escapes, Unicode's invisible and
direction-changing characters, a spreadsheet formula, ``..``, thousands of characters. Such a
name is never used to build a path we write (`tcplab.output` makes its own), and is shown only
through `shown`: one line of visible text in which every such character is written as an escape
(``caf\\xe9.pcap``, ``a\\nb``, ``\\x1b[31m``, ``\\u202e``), a backslash as ``\\\\``, and a very
long name shortened in its middle. `shown` is what the terminal, summary.txt, report.json,
HTML, Markdown and SVG get; each of them escapes for its own medium on top (HTML entities,
Markdown punctuation, XML). `csv_cell` makes a value safe for a spreadsheet (OWASP's advice on
CSV injection).
"""

from __future__ import annotations

import os
import unicodedata

MAX_SHOWN = 160  # characters of a shown name; a longer one keeps its start and its end
# Characters that are not visible or change how the text around them is shown.
INVISIBLE_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def from_bytes(raw: bytes) -> str:
    """A name read from disk or a zip as bytes: UTF-8 where it is, the other bytes kept as
    surrogates (``os.fsdecode``'s rule) so that `shown` can write them as ``\\xNN``."""
    return raw.decode("utf-8", "surrogateescape")


def from_path(name: str | os.PathLike[str]) -> str:
    """A name the file system gave us as str (already surrogate-escaped by Python)."""
    return os.fspath(name)


def shown(name: str, limit: int = MAX_SHOWN) -> str:
    """`name` as one line of visible characters: every invisible one written as an escape."""
    parts = []
    for char in name:
        code = ord(char)
        if char == "\\":
            parts.append("\\\\")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            parts.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or 0x7F <= code < 0xA0:
            parts.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}"))
        elif code < 0x7F or unicodedata.category(char) not in INVISIBLE_CATEGORIES:
            parts.append(char)
        else:
            parts.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    text = "".join(parts)
    if len(text) > limit:
        keep = limit - 1
        text = text[:keep * 2 // 3] + "…" + text[len(text) - (keep - keep * 2 // 3):]
    return text


def csv_cell(value: object) -> str:
    """A cell for grades.csv / gradebook.csv that no spreadsheet takes for a formula.

    Text (a name, a reason that quotes a student's message) is `shown`, and when it starts with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return it gets a leading ``'``, which a
    spreadsheet shows as text (OWASP, CSV injection). Numbers we write stay numbers.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = shown(str(value), limit=10_000)
    return "'" + text if text.startswith(FORMULA_STARTS) else text

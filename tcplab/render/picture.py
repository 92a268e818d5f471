"""PNG pictures of the ladder diagrams, for slides, chat and documents that take no SVG.

The PNG is the SVG itself, drawn by ``rsvg-convert`` (librsvg, Debian package
``librsvg2-bin``, installed by ``make setup``): one renderer, so the picture shows exactly what
the report shows. Its text goes through Pango and fontconfig, which find a font for every
character (DejaVu, ``fonts-dejavu-core``, covers Indonesian, "é", "✓", "→"). The diagrams are
drawn in parallel, one rsvg-convert per processor.

A picture holds at most `MAX_ROWS` packets (the diagram says when it stops early): beyond that
a PNG is taller than any screen or page and than cairo's 32767-pixel limit. Without
rsvg-convert, or when it fails, the report is still written: the picture's link says it is
missing and the report's notes say why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..i18n import Text as T
from ..output import Output

RSVG_CONVERT = "rsvg-convert"
MAX_ROWS = 200  # 200 packets: a 10,156-pixel picture
TIMEOUT = 120  # seconds for one picture


@dataclass(frozen=True)
class Picture:
    """One PNG to draw: the SVG text and where the PNG goes."""

    svg: str
    png: Path


def converter() -> str | None:
    """The path of rsvg-convert, or None if it is not installed."""
    return shutil.which(RSVG_CONVERT)


def draw_pictures(pictures: list[Picture], output: Output) -> list[T | None]:
    """Draw every picture into `output`; for each, None when drawn, else why not (one line)."""
    program = converter()
    if program is None:
        for picture in pictures:  # a picture left by an earlier report would not show this one
            if picture.png.is_file() and not picture.png.is_symlink():
                picture.png.unlink()
        return [T("picture.no_converter")] * len(pictures)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda picture: draw_picture(program, picture, output), pictures))


def draw_picture(program: str, picture: Picture, output: Output) -> T | None:
    """One PNG from its SVG text (given on stdin, never through a shell), written by `output`."""
    try:
        done = subprocess.run([program, "--format", "png"], input=picture.svg.encode("utf-8"),
                              capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return T("picture.failed", error=f"no picture after {TIMEOUT} s")
    if done.returncode != 0 or not done.stdout:
        error = " ".join(done.stderr.decode("utf-8", "replace").split()) or \
            f"exit status {done.returncode}"
        if picture.png.is_file() and not picture.png.is_symlink():
            picture.png.unlink()
        return T("picture.failed", error=error[:300])
    output.write_bytes(Path(os.path.relpath(picture.png, output.root)).parts, done.stdout)
    return None

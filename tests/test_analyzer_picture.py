"""The ladder diagrams as PNG (drawn by rsvg-convert), decoded and looked at for real."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from analyzer_cases import manifest_capture, reqresp_flow, write_run
from analyzer_png import png_size, read_png

from tcplab import craft
from tcplab.render import ladder
from tcplab.i18n import language
from tcplab.render.report import write_report

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(shutil.which("rsvg-convert") is None,
                                reason="rsvg-convert is not installed (make setup installs it)")

MESSAGES = ["hello", "selamat pagi ✓ é"]
BLUE = (0x1F, 0x4E, 0x9C)  # client -> server arrows
BROWN = (0x9A, 0x4A, 0x00)  # server -> client arrows
HANDSHAKE_BAND = (0xE3, 0xEE, 0xFC)
TERMINATION_BAND = (0xFD, 0xEB, 0xD8)
INK = (0x22, 0x22, 0x22)  # packet numbers and payload text


def _run(root: Path, messages: list[str]) -> Path:
    (root / "p01").mkdir(parents=True)
    craft.write_pcap(root / "p01" / "reqresp.pcap", reqresp_flow(messages).frames)
    write_run(root, [manifest_capture("p01", "reqresp", messages)], ["p01"], ["reqresp"])
    return root


def test_every_ladder_is_also_a_png_that_shows_the_diagram(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", MESSAGES)
    written = write_report(run, lang=language("id"))
    assert written.warnings == []
    capture = written.document["captures"][0]
    assert capture["files"]["ladder_png"] == "ladders/p01/reqresp.png"
    image = read_png(run / "ladders" / "p01" / "reqresp.png")
    rows = len(capture["segments"])
    assert rows == 14
    assert (image.width, image.height) == (ladder.WIDTH, ladder.TOP + rows * ladder.ROW + 60)
    assert len(image.colors()) > 50  # colours and anti-aliased text, not a blank picture
    arrows = (ladder.CLIENT_X, ladder.TOP, ladder.SERVER_X, image.height - 60)
    assert image.count(BLUE, box=arrows) > 500
    assert image.count(BROWN, box=arrows) > 300
    assert image.count(HANDSHAKE_BAND, box=(0, ladder.TOP, ladder.WIDTH,
                                            ladder.TOP + 3 * ladder.ROW)) > 50_000
    assert image.count(TERMINATION_BAND, box=(0, ladder.TOP + 11 * ladder.ROW, ladder.WIDTH,
                                              ladder.TOP + 14 * ladder.ROW)) > 50_000
    numbers = (0, ladder.TOP, 40, ladder.TOP + rows * ladder.ROW)
    assert image.count(INK, tolerance=60, box=numbers) > 14 * 20  # a number in every row


def test_non_ascii_labels_are_drawn_with_a_font_that_has_them(tmp_path: Path) -> None:
    """Packet 8 carries "selamat pagi ✓ é": its label has ink, in the font the diagram names."""
    run = _run(tmp_path / "run", MESSAGES)
    write_report(run, lang=language("id"))
    svg = (run / "ladders" / "p01" / "reqresp.svg").read_text(encoding="utf-8")
    assert "selamat pagi ✓ é\\n" in svg and "waktu (s)" in svg and "→" in svg
    used = {char for char in svg if ord(char) > 127}
    assert used >= {"✓", "é", "→"}
    covering = subprocess.run(
        ["fc-list", ":family=DejaVu Sans Mono:charset=" + " ".join(f"{ord(c):x}" for c in used),
         "family"], capture_output=True, text=True, timeout=30)
    assert "DejaVu Sans Mono" in covering.stdout, f"no font covers {sorted(used)}"
    image = read_png(run / "ladders" / "p01" / "reqresp.png")
    label = (ladder.CLIENT_X, ladder.TOP + 7 * ladder.ROW + 30, ladder.SERVER_X,
             ladder.TOP + 7 * ladder.ROW + 46)
    hello = (ladder.CLIENT_X, ladder.TOP + 3 * ladder.ROW + 30, ladder.SERVER_X,
             ladder.TOP + 3 * ladder.ROW + 46)
    dark = (0x33, 0x33, 0x33)
    assert image.count(dark, tolerance=90, box=label) > 2 * image.count(dark, tolerance=90,
                                                                        box=hello) > 40


def test_a_long_capture_gets_a_picture_of_its_first_packets(tmp_path: Path) -> None:
    messages = [f"message {index}" for index in range(60)]  # 246 packets
    run = _run(tmp_path / "run", messages)
    written = write_report(run)
    rows = len(written.document["captures"][0]["segments"])
    assert rows == 3 + 60 * 4 + 3
    svg = (run / "ladders" / "p01" / "reqresp.svg").read_text(encoding="utf-8")
    assert f'height="{ladder.TOP + rows * ladder.ROW + 60}"' in svg
    size = png_size(run / "ladders" / "p01" / "reqresp.png")
    assert size == (ladder.WIDTH, ladder.TOP + 200 * ladder.ROW + 60)


def test_without_rsvg_convert_the_report_is_written_and_says_why(tmp_path: Path) -> None:
    run = _run(tmp_path / "run", MESSAGES)
    write_report(run)
    assert (run / "ladders" / "p01" / "reqresp.png").is_file()  # from an earlier report
    done = subprocess.run([sys.executable, "-m", "tcplab", "report", str(run)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": str(tmp_path), "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0
    why = ("the ladder diagrams are not drawn as PNG: rsvg-convert is not installed (Debian "
           "package librsvg2-bin; make setup installs it)")
    assert done.stderr == f"warning: {why}\n"
    document = json.loads((run / "report.json").read_text(encoding="utf-8"))
    assert why in document["source"]["notes"]
    assert document["captures"][0]["files"]["ladder_png"] is None
    assert not (run / "ladders" / "p01" / "reqresp.png").exists()
    html = (run / "report.html").read_text(encoding="utf-8")
    assert '<span class="nolink" title="file not found">no png</span>' in html
    assert (run / "ladders" / "p01" / "reqresp.svg").is_file()

"""report.html in real headless Chromium, in each language: the table and the diagrams render,
and the page prints cleanly.

Uses Debian's ``chromium`` package (``--dump-dom`` for the parsed page, ``--screenshot`` for
pixels, read with the stdlib PNG decoder in analyzer_png, ``--print-to-pdf`` for printing, read
with poppler-utils' pdfinfo, pdftotext and pdftoppm). Skipped only when a tool is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from analyzer_cases import manifest_capture, reqresp_flow, upcall_flow, write_run
from analyzer_png import read_png

from tcplab import craft
from tcplab.render import ladder
from tcplab.i18n import language
from tcplab.render.report import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")

GREEN = (0x1B, 0x7F, 0x3B)  # .complete badge
RED = (0xB3, 0x26, 0x1E)  # .incomplete badge
BLUE = (0x1F, 0x4E, 0x9C)  # client -> server arrows
BROWN = (0x9A, 0x4A, 0x00)  # server -> client arrows
HANDSHAKE_BAND = (0xE3, 0xEE, 0xFC)
LABELS = {  # what a reader sees in each language
    "en": {"header": ["pair", "reqresp", "upcall", "pair verdict"], "complete": "complete",
           "incomplete": "incomplete", "phases": "handshake 1-3, data 4-11, termination 12-14",
           "story": "Rows 12-14: the three-way termination: the client asks to close the "
                    "connection (FIN, row 12), and in row 13 the server agrees (FIN).",
           "band": "data"},
    "id": {"header": ["pasangan", "reqresp", "upcall", "hasil pasangan"], "complete": "lengkap",
           "incomplete": "tidak lengkap",
           "phases": "handshake 1-3, pertukaran data 4-11, termination 12-14",
           "story": "Baris 12-14: terjadi tahapan 3-way termination, yaitu client me-request "
                    "untuk menutup koneksi (FIN, baris 12), dan pada baris 13 server menyetujui "
                    "request tersebut (FIN).",
           "band": "pertukaran data"},
}


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module", params=sorted(LABELS))
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("run")
    captures = []
    for pair in ("p01", "p02"):
        (root / pair).mkdir()
        craft.write_pcap(root / pair / "reqresp.pcap", reqresp_flow(["hello", "two"]).frames)
        craft.write_pcap(root / pair / "upcall.pcap", upcall_flow(["hello", "two"]).frames)
        captures += [manifest_capture(pair, "reqresp", ["hello", "two"]),
                     manifest_capture(pair, "upcall", ["hello", "two"])]
    captures[3]["messages"] = ["hello", "three"]  # p02/upcall: the client sent something else
    write_run(root, captures, ["p01", "p02"])
    return write_report(root, lang=language(request.param)).html


class _Matrix(HTMLParser):
    """Rows of table#matrix (cell texts and verdicts) and the svg elements of the page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.verdicts: list[str] = []
        self.svgs: list[dict[str, str | None]] = []
        self.svg_texts: list[str] = []
        self.badges: list[str] = []
        self.story: list[str] = []
        self.lines = 0
        self._in: str | None = None
        self._in_matrix = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id") == "matrix":
            self._in_matrix = True
        elif self._in_matrix and tag == "tr":
            self.rows.append([])
        elif self._in_matrix and tag in ("td", "th"):
            self._cell = []
            if attributes.get("data-verdict"):
                self.verdicts.append(str(attributes["data-verdict"]))
        elif tag == "svg":
            self.svgs.append(attributes)
        elif tag == "line":
            self.lines += 1
        if tag == "text":
            self._in = "svg_texts"
        elif tag == "span" and "verdict" in (attributes.get("class") or ""):
            self._in = "badges"
        elif tag == "ul" and attributes.get("class") == "story":
            self._in = "story"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("text", "span", "ul"):
            self._in = None
        if tag == "table" and self._in_matrix:
            self._in_matrix = False
        elif self._in_matrix and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in is not None:
            getattr(self, self._in).append(data)


def test_table_and_diagrams_are_in_chromiums_dom(report: Path, tmp_path: Path) -> None:
    done = _chromium(tmp_path, "--dump-dom", report.as_uri())
    assert done.returncode == 0, done.stderr[-500:]
    page = _Matrix()
    page.feed(done.stdout)
    labels = LABELS[re.search(r'<html lang="(\w+)"', done.stdout).group(1)]
    assert page.rows[0] == labels["header"]
    assert [row[0] for row in page.rows[1:]] == ["p01", "p02"]
    assert page.verdicts == ["complete", "complete", "complete", "incomplete"]
    assert page.rows[2][2].startswith(f"{labels['incomplete']} {labels['phases']}")
    assert page.rows[2][3] == labels["incomplete"]
    assert page.badges[:3] == [labels["complete"]] * 3
    assert labels["story"] in page.story
    assert labels["band"] in page.svg_texts
    assert [svg.get("class") for svg in page.svgs] == ["ladder"] * 4
    assert page.lines >= 4 * (14 + 2)  # an arrow per packet, two lifelines per diagram
    assert re.search(r'<section id="cap-p02-upcall"', done.stdout)


def test_screenshot_shows_the_verdicts_and_a_diagram(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "page.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,1500", report.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-500:]
    image = read_png(shot)
    assert (image.width, image.height) == (1100, 1500)
    table = (0, 0, 1100, 320)
    assert image.count(GREEN, box=table) > 500  # three complete cells and a pair badge
    assert image.count(RED, box=table) > 300  # the incomplete cell and pair badge
    below = (0, 320, 1100, 1500)
    assert image.count(HANDSHAKE_BAND, box=below) > 5000  # the first diagram's shaded band
    assert image.count(BLUE, box=below) > 200
    assert image.count(BROWN, box=below) > 200


def test_standalone_svg_renders(report: Path, tmp_path: Path) -> None:
    svg = report.parent / "ladders" / "p01" / "reqresp.svg"
    shot = tmp_path / "svg.png"
    height = ladder.TOP + 14 * ladder.ROW + 60
    done = _chromium(tmp_path, f"--screenshot={shot}", f"--window-size={ladder.WIDTH},{height}",
                     svg.as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr[-500:]
    image = read_png(shot)
    arrows = (ladder.CLIENT_X, ladder.TOP, ladder.SERVER_X, height - 60)
    assert image.count(BLUE, box=arrows) > 500
    assert image.count(BROWN, box=arrows) > 300
    # the termination band sits at the bottom: rows 12-14
    bottom = (0, ladder.TOP + 11 * ladder.ROW + 5, ladder.WIDTH, ladder.TOP + 14 * ladder.ROW)
    assert image.count((0xFD, 0xEB, 0xD8), box=bottom) > 10000


# --- printing ----------------------------------------------------------------------------------

PRINT_TOOLS = shutil.which("pdftotext") and shutil.which("pdftoppm") and shutil.which("pdfinfo")
CLUTTER = {"en": ("server log", "client log", "every packet", "Grade book"),
           "id": ("log server", "log client", "semua paket", "Daftar nilai")}


def _pdf_pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60)
    return int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.MULTILINE).group(1))


def _pdf_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf),
                           "-"], capture_output=True, text=True, timeout=60).stdout


@pytest.mark.skipif(not PRINT_TOOLS, reason="poppler-utils (pdftotext, pdftoppm) not installed")
def test_report_prints_each_capture_on_its_own_pages_with_ladders_fitting(
        report: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    done = _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", report.as_uri())
    assert done.returncode == 0 and pdf.is_file(), done.stderr[-500:]
    code = re.search(r'<html lang="(\w+)"', report.read_text(encoding="utf-8")).group(1)
    pages = [_pdf_text(pdf, number) for number in range(1, _pdf_pages(pdf) + 1)]
    assert len(pages) >= 5  # the table, then each of the four captures from a new page
    assert "p01 / reqresp" not in pages[0]
    headings = [f"{key} {LABELS[code][verdict]}"
                for key, verdict in (("p01 / reqresp", "complete"), ("p01 / upcall", "complete"),
                                     ("p02 / reqresp", "complete"),
                                     ("p02 / upcall", "incomplete"))]
    starts = [index for index, text in enumerate(pages) for heading in headings
              if " ".join(text.split()).startswith(heading + " ")]
    assert len(starts) == 4 and starts == sorted(starts) and starts[0] == 1
    everything = "\n".join(pages)
    for clutter in CLUTTER[code]:
        assert clutter not in everything, clutter
    assert LABELS[code]["story"].split(":")[0] in everything
    # printed at its size, not shrunk to fit a diagram: the heading's 18 px are 13.5 pt
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", str(starts[0] + 1), "-l",
                            str(starts[0] + 1), str(pdf), "-"], capture_output=True, text=True,
                           timeout=60).stdout
    heading = re.search(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">'
                        r'p01</word>', boxes)
    assert 14 <= float(heading.group(2)) - float(heading.group(1)) <= 17
    # the ladder of p01/reqresp: as wide as the page's text, inside its margins
    first_ladder = next(index for index in range(starts[0], starts[1])
                        if "MSS=1460 WS=128" in pages[index])  # the SYN's arrow
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", str(first_ladder + 1), "-l",
                    str(first_ladder + 1), str(pdf), str(tmp_path / "page")], check=True,
                   timeout=60)
    image = read_png(next(tmp_path.glob("page*.png")))
    band = [x for y in range(image.height) for x in range(image.width)
            if max(abs(a - b) for a, b in zip(image.pixel(x, y), HANDSHAKE_BAND)) <= 6]
    assert len(band) > 3000
    margin = 12 / 25.4 * 50  # 12 mm at 50 dpi
    assert min(band) >= margin - 2 and max(band) <= image.width - margin + 2
    assert max(band) - min(band) >= 0.95 * (image.width - 2 * margin)

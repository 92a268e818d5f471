"""Ladder (sequence) diagrams of a conversation as hand-written SVG.

Client lifeline on the left, server on the right, one arrow per packet from top to bottom in
capture order (ordinal spacing: every packet gets the same height, its time is written in the
left column). Each arrow carries the packet's flags, relative Seq/Ack/Len like Wireshark's Info
column, and an excerpt of the payload; retransmissions and other anomalies are drawn dashed and
red with the anomaly named. The handshake, data and termination phases are shaded bands,
labelled with their packet numbers on the right.

Diagrams stop after `MAX_ROWS` packets (and say so). All text is XML-escaped; payload bytes
are shown with Python-style escapes for anything not printable, so no capture content can
break the SVG or the page that inlines it. Labels are in the report's language (`tcplab.i18n`).
"""

from __future__ import annotations

from html import escape

from ..i18n import Language
from ..analysis.model import C2S, CaptureAnalysis, Segment, number_ranges

WIDTH = 1000
CLIENT_X = 250
SERVER_X = 830
TOP = 96
ROW = 50
EXCERPT = 56
MAX_ROWS = 1000  # a diagram beyond this is no longer read by anyone; the report lists them all

COLORS = {C2S: "#1f4e9c", "S>C": "#9a4a00", "anomaly": "#c62828"}
BANDS = {"handshake": "#e3eefc", "data": "#e6f4e6", "termination": "#fdebd8"}
BAND_TEXT = {"handshake": "#1f4e9c", "data": "#2e6b2e", "termination": "#9a4a00"}
FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"


def excerpt(payload: bytes, limit: int = EXCERPT) -> str:
    """Payload as readable text: printable characters kept, the rest escaped, cut to `limit`."""
    text = payload.decode("utf-8", errors="backslashreplace")
    shown: list[str] = []
    for char in text:
        if char in "\\":
            shown.append(char)
        elif char == "\n":
            shown.append("\\n")
        elif char == "\r":
            shown.append("\\r")
        elif char == "\t":
            shown.append("\\t")
        elif char.isprintable():
            shown.append(char)
        else:
            code = ord(char)
            shown.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    result = "".join(shown)
    return result if len(result) <= limit else result[:limit - 1] + "…"


def _text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start",
          fill: str = "#222", weight: str = "normal", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{fill}" font-weight="{weight}"{extra}>{escape(content)}</text>')


def _arrow(segment: Segment, y: float, lang: Language) -> list[str]:
    left_to_right = segment.direction == C2S
    x1, x2 = (CLIENT_X, SERVER_X) if left_to_right else (SERVER_X, CLIENT_X)
    y1, y2 = y + 18, y + 28
    odd = [n for n in segment.notes if n != "previous segment not captured"]
    color = COLORS["anomaly"] if odd else COLORS[segment.direction]
    dash = ' stroke-dasharray="7 4"' if odd else ""
    tip = -10 if left_to_right else 10
    slope = (y2 - y1) / (x2 - x1)
    lost = "lost" in segment.notes
    if lost:  # the segment never arrived: the arrow stops on its way, crossed out
        x2 = x1 + (x2 - x1) * 0.7
        y2 = y1 + (y2 - y1) * 0.7
    head = (f"{x2},{y2} {x2 + tip:.1f},{y2 + tip * slope - 4:.1f} "
            f"{x2 + tip:.1f},{y2 + tip * slope + 4:.1f}")
    label = f"{segment.flags}  Seq={segment.seq} Ack={segment.ack} Len={segment.length}"
    if segment.mss is not None:
        label += f" MSS={segment.mss}"
    if segment.wscale is not None:
        label += f" WS={2 ** segment.wscale}"
    middle = (CLIENT_X + SERVER_X) / 2
    parts = [
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="1.6"'
        f'{dash}/>',
        (f'<path d="M{x2 - 6:.1f},{y2 - 6:.1f} L{x2 + 6:.1f},{y2 + 6:.1f} M{x2 - 6:.1f},'
         f'{y2 + 6:.1f} L{x2 + 6:.1f},{y2 - 6:.1f}" stroke="{color}" stroke-width="2.5" '
         f'class="lost"/>') if lost else f'<polygon points="{head}" fill="{color}"/>',
        _text(middle, y + 13, label, anchor="middle", fill=color, weight="bold"),
    ]
    below: list[str] = []
    if segment.payload:
        below.append(f'"{excerpt(segment.payload)}"')
    if segment.notes:
        below.append("[" + "; ".join(lang.t(f"kind.{note}") for note in segment.notes) + "]")
    if below:
        parts.append(_text(middle, y + 42, "  ".join(below), size=11, anchor="middle",
                           fill=COLORS["anomaly"] if odd else "#333"))
    return parts


def _bands(segments: list[Segment], lang: Language) -> list[str]:
    parts: list[str] = []
    runs: list[tuple[str, int, int]] = []  # phase, first row, last row
    for row, segment in enumerate(segments):
        if runs and runs[-1][0] == segment.phase:
            runs[-1] = (segment.phase, runs[-1][1], row)
        else:
            runs.append((segment.phase, row, row))
    for phase, first, last in runs:
        y = TOP + first * ROW
        numbers = [s.number for s in segments[first:last + 1]]
        parts.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{(last - first + 1) * ROW}" '
                     f'fill="{BANDS.get(phase, "#f4f4f4")}"/>')
        parts.append(_text(SERVER_X + 18, y + 15, lang.t(f"phase.{phase}"), size=12,
                           fill=BAND_TEXT.get(phase, "#444"), weight="bold"))
        parts.append(_text(SERVER_X + 18, y + 29, number_ranges(numbers), size=11,
                           fill=BAND_TEXT.get(phase, "#444")))
    return parts


def ladder_svg(result: CaptureAnalysis, lang: Language, max_rows: int = MAX_ROWS) -> str:
    """The capture's ladder diagram; a small explanatory SVG when there is no conversation."""
    title = f"{result.job.pair} / {result.scenario}"
    if result.main is None:
        why = result.error or (result.reasons[0] if result.reasons else "")
        heading = lang.t("ladder.none", title=title)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="80" '
                f'viewBox="0 0 {WIDTH} 80" font-family="{FONT}" role="img">'
                f'<title>{escape(heading)}</title>'
                f'<rect width="{WIDTH}" height="80" fill="#fff"/>'
                + _text(20, 30, heading, size=14, weight="bold")
                + _text(20, 56, lang.render(why), fill=COLORS["anomaly"]) + "</svg>")
    conversation = result.main.conversation
    segments = result.main.segments[:max_rows]
    height = TOP + len(segments) * ROW + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img" class="ladder">',
        f"<title>{escape(lang.t('ladder.title', title=title, packets=len(segments)))}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        _text(20, 24, f"{title}   {lang.render(result.main.phases.text)}", size=14,
              weight="bold"),
    ]
    parts += _bands(segments, lang)
    for x, role, end in ((CLIENT_X, "client", conversation.client),
                         (SERVER_X, "server", conversation.server)):
        parts.append(f'<rect x="{x - 95}" y="40" width="190" height="40" rx="5" fill="#fafafa" '
                     f'stroke="#555"/>')
        parts.append(_text(x, 56, lang.t(f"side.{role}"), anchor="middle", weight="bold"))
        parts.append(_text(x, 72, str(end), size=11, anchor="middle"))
        parts.append(f'<line x1="{x}" y1="80" x2="{x}" y2="{height - 40}" stroke="#555" '
                     f'stroke-width="2"/>')
    parts.append(_text(8, TOP - 4, lang.t("ladder.number"), size=10, fill="#666"))
    parts.append(_text(44, TOP - 4, lang.t("ladder.time"), size=10, fill="#666"))
    for row, segment in enumerate(segments):
        y = TOP + row * ROW
        parts.append(_text(8, y + 27, str(segment.number), weight="bold"))
        parts.append(_text(44, y + 27, f"{segment.time:.6f}", size=11, fill="#555"))
        parts += _arrow(segment, y, lang)
    legend_y = height - 20
    if len(result.main.segments) > max_rows:
        parts.append(_text(20, height - 40, lang.t("ladder.cut", shown=max_rows,
                                                   packets=len(result.main.segments)),
                           fill=COLORS["anomaly"], weight="bold"))
    parts.append(_text(20, legend_y, lang.t("ladder.client_to_server"), size=11,
                       fill=COLORS[C2S]))
    parts.append(_text(170, legend_y, lang.t("ladder.server_to_client"), size=11,
                       fill=COLORS["S>C"]))
    parts.append(_text(320, legend_y, lang.t("ladder.dashed"), size=11, fill=COLORS["anomaly"]))
    parts.append("</svg>")
    return "\n".join(parts)

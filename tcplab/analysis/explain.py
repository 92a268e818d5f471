"""A capture's phases told the way the course tells them, with the capture's own row numbers.

The seeds read a capture in Wireshark row by row (``/work/shared/seeds/upcall.md``): "baris 1-3"
the three-way handshake, "baris 4-9" the exchange of data, "baris 10-13" the four-way
termination, in which the client asks to close the connection and, in row 12, the server agrees.
`explain_phases` says the same of any capture: which rows are which phase, and who asked to close.
"""

from __future__ import annotations

from .phases import close_style
from ..i18n import Text as T
from .model import C2S, S2C, ConversationAnalysis, milliseconds, number_ranges, side_name
from .packet import FLAG_FIN


def explain_phases(analysis: ConversationAnalysis) -> list[T]:
    """One sentence per phase present in the capture, in the order they happen."""
    phases = analysis.phases
    sentences: list[T] = []
    if phases.handshake:
        key = "story.handshake" if analysis.handshake.complete else "story.handshake_partial"
        sentences.append(T(key, rows=number_ranges(phases.handshake)))
    if phases.data:
        sentences.append(T("story.data", rows=number_ranges(phases.data),
                           messages=len(analysis.messages[C2S].items),
                           replies=len(analysis.messages[S2C].items)))
    for anomaly in analysis.anomalies:
        if anomaly.of is not None and anomaly.direction is not None:
            sentences.append(T("story.loss", lost=anomaly.of, again=anomaly.packet,
                               side=side_name(anomaly.direction),
                               wait=milliseconds(anomaly.wait or 0.0),
                               how=T("story.loss_fast") if anomaly.kind == "fast retransmission"
                               else T("story.loss_timeout")))
    if phases.termination:
        sentences.append(termination_story(analysis))
    return sentences


def termination_story(analysis: ConversationAnalysis) -> T:
    """Who asked to close (their FIN's row) and where the other side agreed, or the reset."""
    rows = number_ranges(analysis.phases.termination)
    close = analysis.teardown
    if close.kind == "reset":
        direction = C2S if close.reset_by == "client" else S2C
        return T("story.reset", rows=rows, side=side_name(direction), packet=close.reset_packet)
    fins = {direction: next((s.number for s in analysis.segments
                             if s.direction == direction and s.has(FLAG_FIN)), None)
            for direction in (C2S, S2C)}
    closer = C2S if close.closed_first == "client" else S2C
    other = S2C if closer == C2S else C2S
    if not close.complete:
        return T("story.termination_unfinished", rows=rows, description=close.description)
    return T("story.termination", rows=rows, style=close_style(len(close.packets)),
             closer=side_name(closer), fin=fins[closer], other=side_name(other),
             agreed=fins[other])

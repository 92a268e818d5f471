"""The captures of a report, each analysed once, with what the report adds to it.

`build` turns a run's jobs (or the results grading already judged) into `Entry`s: the analysis,
the pair and scenario the report files it under (made unique), its signature and ladder, and
where its picture and annotated copy go. A bug in one capture's analysis costs that capture
("internal error", its traceback kept for errors.log), never the report.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..analysis.analyze import analyze, unreadable
from ..analysis.capture import CaptureError, raw_frames
from ..analysis.model import CaptureAnalysis
from ..analysis.signature import Signature, signature
from ..formats.manifest import ANNOTATED, CaptureJob, Run
from ..i18n import Language
from ..i18n import Text as T
from ..output import Output, safe_part
from .annotate import annotated_name, annotated_pcapng, comments_in
from .grades import UNKNOWN_SCENARIO
from .ladder import ladder_svg
from .picture import MAX_ROWS as PICTURE_ROWS
from .picture import Picture


@dataclass
class Entry:
    """One analysed capture with what the report adds: its key, signature and diagram."""

    result: CaptureAnalysis
    pair: str
    scenario: str
    signature: Signature | None
    svg: str
    svg_path: Path
    picture: Picture  # the PNG of the diagram (at most PICTURE_ROWS packets)
    annotated: Path | None = None  # the annotated copy of the capture, once written

    @property
    def anchor(self) -> str:
        return "cap-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{self.pair}-{self.scenario}")


def build(run: Run, output: Output, lang: Language) -> list[Entry]:
    """Analyse every capture of the run (or take the run's results); keys made unique,
    diagrams drawn."""
    entries: list[Entry] = []
    taken: set[tuple[str, str]] = set()
    ladders: set[tuple[str, str]] = set()
    for result in run.results if run.results is not None else map(_analyzed(output), run.jobs):
        job = result.job
        scenario = result.scenario if result.scenario != "?" else UNKNOWN_SCENARIO
        pair = job.pair
        if (pair, scenario) in taken:  # two files of one pair look like the same scenario
            pair = job.pcap_name.rsplit(".", 1)[0]
        taken.add((pair, scenario))
        sig = signature(result.main, result.spec, job.messages) if result.main else None
        folder, stem = safe_part(pair), safe_part(scenario)
        number = 1
        while (folder, stem) in ladders:  # two names that differ only in unsafe characters
            number += 1
            stem = f"{safe_part(scenario)}-{number}"
        ladders.add((folder, stem))
        svg_path = output.path("ladders", folder, f"{stem}.svg")
        svg = ladder_svg(result, lang)
        rows = len(result.main.segments) if result.main else 0
        picture = Picture(ladder_svg(result, lang, PICTURE_ROWS) if rows > PICTURE_ROWS else svg,
                          svg_path.with_suffix(".png"))
        entries.append(Entry(result, pair, scenario, sig, svg, svg_path, picture))
    return entries


def _analyzed(output: Output):
    """analyze(job), where a bug costs that one capture, never the class report (the
    traceback goes to errors.log)."""
    def one(job: CaptureJob) -> CaptureAnalysis:
        try:
            return analyze(job)
        except Exception as error:
            output.error(f"analysing {job.pcap_name}")
            return unreadable(job, T("error.in_file", file=job.pcap_name, problem=T(
                "error.internal", error=f"{type(error).__name__}: {error}")), list(job.notes))
    return one


def annotate(entry: Entry, output: Output, lang: Language) -> None:
    """The capture's annotated copy: beside it when it is in the report's folder (a run), else
    in annotated/<pair>/; a capture that cannot be copied costs only its copy."""
    result = entry.result
    if result.capture is None:
        return
    pcap = result.job.pcap
    inside = Path(os.path.abspath(pcap)).is_relative_to(output.root)
    parts = (*parts_of(output, pcap.parent), annotated_name(pcap.name)) if inside else (
        "annotated", safe_part(entry.pair), f"{safe_part(entry.scenario)}{ANNOTATED}")
    try:
        frames = raw_frames(pcap)
        data = annotated_pcapng(frames, comments_in(result, len(frames), lang))
        entry.annotated = output.write_bytes(parts, data)
    except (CaptureError, OSError, ValueError):
        output.error(f"annotating {result.job.pcap_name}")


def parts_of(output: Output, path: Path) -> tuple[str, ...]:
    return Path(os.path.relpath(path, output.root)).parts

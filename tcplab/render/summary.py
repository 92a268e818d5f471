"""The run's summary: the table the lab ends with, written to summary.txt and the terminal.

Layout (English; every label comes from the report's language)::

    Run 20261121T172933Z: 2 pair(s) x 2 scenario(s), 4 of 4 captures ok
    pair  scenario   packets  answered  status
    p01   reqresp         14       3/3  ok
    p01   upcall          14       3/3  FAILED: client exited 1: ...
    Report: /home/teacher/tcplab/captures/20261121T172933Z/report.html
    Run folder: /home/teacher/tcplab/captures/20261121T172933Z

The table is the run's own record of each capture (manifest.json: its status and reasons,
tcpdump's count of packets, the replies the client found correct), not the analyzer's verdict,
which the report gives. The last two lines say where the report and the run are; any folder the
report reads ends the terminal output with them.

Students' captures graded against a plan (`tcplab.grading`) get `submissions_summary` instead: one
row per pair and scenario of grades.csv, with the file graded, how its pair was found (file name,
messages) and the analyzer's verdict and reasons::

    Captures handed in, graded against the plan of run 20261122T050221Z: 3 capture(s) for ...
    pair        scenario  file                    whose      answered  verdict
    ani-budi    reqresp   ani-budi-tcp.pcap       file name       3/3  complete
    citra-dewi  reqresp   citra-dewi-tcp.pcap     file name       0/3  incomplete: carries ...
    citra-dewi  upcall    dari-citra/upcall.pcap  messages        3/3  complete
    eka-fajar   upcall    -                       -                 -  missing
    Not graded: 1 file(s) that count for no pair
      notes.pdf: not a pcap or pcapng capture: a PDF file (starts with bytes 25504446)
    Report: /home/teacher/submissions-graded/report.html
    Submissions folder: /home/teacher/submissions
"""

from __future__ import annotations

from pathlib import Path

from .grades import matrix
from ..i18n import Language
from ..names import shown


def run_summary(manifest: dict, html_path: Path, run_dir: Path, lang: Language) -> list[str]:
    """The lines of summary.txt for a run's manifest (schema tcplab.manifest/1)."""
    captures = [c for c in manifest.get("captures") or [] if isinstance(c, dict)]
    pairs = sorted({str(c.get("pair")) for c in captures})
    scenarios = list(dict.fromkeys(str(c.get("scenario")) for c in captures))
    ok = sum(1 for c in captures if c.get("status") == "ok")
    rows = [(str(c.get("pair")), str(c.get("scenario")), str(_packets(c)), _answered(c),
             _status(c, lang)) for c in captures]
    header = (lang.t("summary.pair"), lang.t("summary.scenario"), lang.t("summary.packets"),
              lang.t("summary.answered"), lang.t("summary.status"))
    pair_width = max([len(header[0])] + [len(row[0]) for row in rows])
    scenario_width = max([10, len(header[1])] + [len(row[1]) for row in rows])
    packets_width = max([7, len(header[2])] + [len(row[2]) for row in rows])
    answered_width = max([8, len(header[3])] + [len(row[3]) for row in rows])
    lines = [lang.t("summary.run", run_id=manifest.get("run_id"), pairs=len(pairs),
                    scenarios=len(scenarios), ok=ok, captures=len(captures))]
    for pair, scenario, packets, answered, status in [header, *rows]:
        lines.append(f"{pair:<{pair_width}}  {scenario:<{scenario_width}} "
                     f"{packets:>{packets_width}}  {answered:>{answered_width}}  {status}")
    return lines + location_lines(html_path, run_dir, lang)


def location_lines(html_path: Path, run_dir: Path, lang: Language,
                   folder_key: str = "summary.run_folder") -> list[str]:
    """``Report: <report.html>`` and ``Run folder: <folder>``, absolute paths."""
    return [lang.t("summary.report", path=html_path.resolve()),
            lang.t(folder_key, path=run_dir.resolve())]


def submissions_summary(document: dict, html_path: Path, folder: Path,
                        lang: Language) -> list[str]:
    """The lines of summary.txt for students' captures graded against a plan (report.json)."""
    rows = []
    for pair, scenario, capture in matrix(document):
        if capture is None:
            rows.append((pair, scenario, "-", "-", "-", lang.t("verdict.missing")))
            continue
        submission = capture.get("submission") or {}
        answered = capture["answered"]
        verdict = lang.t(f"verdict.{capture['verdict']}")
        if capture["reasons"]:
            verdict = lang.t("summary.verdict_reasons", verdict=verdict,
                             reasons="; ".join(capture["reasons"]))
        rows.append((shown(pair), scenario, submission.get("file") or capture["files"]["pcap"],
                     lang.t(f"grade.owner_from.{submission.get('owner_from') or 'unknown'}"),
                     f"{answered['replies']}/{answered['messages']}" if answered else "-",
                     verdict))
    header = tuple(lang.t(key) for key in ("summary.pair", "summary.scenario", "summary.file",
                                           "summary.whose", "summary.answered",
                                           "summary.verdict"))
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(5)]
    summary = document["summary"]
    plan = document["source"].get("plan") or {}
    lines = [lang.t("summary.submissions", run_id=plan.get("run_id"),
                    captures=summary["captures"], pairs=len(document.get("class") or []),
                    scenarios=len(document["scenarios"]), complete=summary["complete"],
                    incomplete=summary["incomplete"], unreadable=summary["unreadable"],
                    missing=sum(1 for _, _, capture in matrix(document) if capture is None))]
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                 row[3].ljust(widths[3]), row[4].rjust(widths[4]), row[5]]
        lines.append("  ".join(cells))
    others = document.get("not_graded") or []
    if others:
        lines.append(lang.t("summary.not_graded", count=len(others)))
        lines += [f"  {item['file']}: {item['reason']}" for item in others]
    return lines + location_lines(html_path, folder, lang, "summary.submissions_folder")


def _packets(capture: dict) -> object:
    counts = (capture.get("capture") or {}).get("counts") or {}
    return counts.get("captured", "-")


def _answered(capture: dict) -> str:
    return f"{capture.get('answered', 0)}/{len(capture.get('messages') or [])}"


def _status(capture: dict, lang: Language) -> str:
    if capture.get("status") == "ok":
        return lang.t("summary.ok")
    return lang.t("summary.failed", reasons="; ".join(str(r) for r in capture.get("reasons") or []))

"""What the analyzer should expect of each capture: from a run's manifest.json, or inferred.

A run folder (DESIGN.md, "Run folder") has ``manifest.json`` (schema ``tcplab.manifest/1``)
listing every capture with its pair, scenario, server port, messages and tcpdump's counts.
`load_run` turns it into one `CaptureJob` per capture.

Any other folder of pcaps works too: every ``*.pcap``/``*.pcapng``/``*.cap`` (or the same gzipped,
``*.pcap.gz``) below it becomes a
job whose pair is its folder (the folder's own name for files at the top) and whose scenario is
inferred later from the server port (2222 reqresp, 4141 upcall: the ports of the course's
scenarios, `tcplab.formats.scenarios`), and the report says so.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..i18n import Text as T
from ..names import shown
from .scenarios import Scenario, course_scenarios, read_loss

MANIFEST_SCHEMA = "tcplab.manifest/1"
ANNOTATED = ".annotated.pcapng"  # the report's annotated copies (tcplab.annotate): no captures
CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap", ".pcap.gz", ".pcapng.gz", ".cap.gz")


@dataclass
class CaptureJob:
    """One capture to analyse and what is known about it before reading it."""

    pair: str
    scenario: str  # may be "?" until the capture's server port says which (inferred jobs)
    pcap: Path
    pcap_name: str  # path relative to the run folder, as the report shows it
    server_log: Path | None = None
    client_log: Path | None = None
    spec: Scenario | None = None
    messages: list[str] | None = None  # what the client was told to send (manifest)
    expected_replies: list[str] | None = None
    server_port: int | None = None
    server_address: str | None = None
    client_address: str | None = None
    counts: dict[str, int] | None = None  # tcpdump's counts
    run_status: str | None = None
    run_reasons: list[str] = field(default_factory=list)
    sha256: str | None = None  # from the manifest's "files"
    inferred: bool = False  # no manifest entry: roles and scenario come from ports
    notes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # found before reading: a copied capture
    expected_from: str = "manifest"  # who says what the client should send: "manifest", "plan"
    submission: dict | None = None  # a student's capture (tcplab.grading): whose, found how


@dataclass
class Run:
    """A folder to report on: its jobs and what was learned while finding them."""

    root: Path
    manifest: dict | None
    run_id: str | None
    jobs: list[CaptureJob]
    pairs: list[str]
    scenarios: list[str]
    notes: list[str] = field(default_factory=list)
    plan: dict | None = None  # students' captures graded against a plan: its path and run id
    results: list | None = None  # the captures already judged (grading), else read from `jobs`
    not_graded: list[dict] = field(default_factory=list)  # hand-ins that count for no pair
    handins: list = field(default_factory=list)  # every file handed in (tcplab.grading.intake.HandIn)


def load_run(root: Path) -> Run:
    """Jobs for every capture of a run folder (manifest.json) or of a plain folder of pcaps."""
    root = root.resolve()
    manifest_path = root / "manifest.json"
    notes: list[str] = []
    manifest: dict | None = None
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            if not isinstance(manifest, dict):
                raise ValueError("top level is not an object")
        except (ValueError, UnicodeDecodeError) as error:
            notes.append(T("manifest.unreadable", error=error))
            manifest = None
        else:
            schema = manifest.get("schema")
            if schema != MANIFEST_SCHEMA:
                notes.append(T("manifest.other_schema", schema=repr(schema),
                               expected=repr(MANIFEST_SCHEMA)))
    if manifest is None:
        if not manifest_path.is_file():
            notes.append(T("manifest.none"))
        jobs = _jobs_from_files(root, set())
        return Run(root, None, None, jobs, _ordered(j.pair for j in jobs),
                   _ordered(j.scenario for j in jobs), notes)
    jobs = _jobs_from_manifest(root, manifest, notes)
    listed = {job.pcap.resolve() for job in jobs}
    extra = _jobs_from_files(root, listed)
    for job in extra:
        job.notes.append(T("manifest.not_listed"))
    jobs.extend(extra)
    settings = _object(manifest.get("settings"))
    pairs = _ordered([*(settings.get("pairs") or []), *(j.pair for j in jobs)])
    scenarios = _ordered([*(settings.get("scenarios") or []), *(j.scenario for j in jobs)])
    return Run(root, manifest, manifest.get("run_id"), jobs, pairs, scenarios, notes)


def _object(value: object) -> dict:
    """A JSON object, or an empty one where the manifest has something else."""
    return value if isinstance(value, dict) else {}


def _ordered(names) -> list[str]:
    seen: dict[str, None] = {}
    for name in names:
        if isinstance(name, str):
            seen.setdefault(name, None)
    return list(seen)


def _scenario_specs(manifest: dict) -> dict[str, Scenario]:
    course = course_scenarios()
    specs = dict(course)
    for name, entry in (manifest.get("scenarios") or {}).items():
        if not isinstance(entry, dict):
            continue
        known = course.get(name)
        port = entry.get("port", known.port if known else None)
        reply_format = entry.get("reply_format", known.reply_format if known else "{message}")
        specs[name] = Scenario(name, int(port) if port is not None else None, str(reply_format),
                               tuple(str(m) for m in entry.get("messages") or ()),
                               read_loss(entry.get("loss")))
    return specs


def _jobs_from_manifest(root: Path, manifest: dict, notes: list[str]) -> list[CaptureJob]:
    specs = _scenario_specs(manifest)
    hashes = _object(manifest.get("files"))
    jobs: list[CaptureJob] = []
    for index, record in enumerate(manifest.get("captures") or []):
        if not isinstance(record, dict) or "pair" not in record or "scenario" not in record:
            notes.append(T("manifest.entry_skipped", number=index + 1))
            continue
        pair, scenario = str(record["pair"]), str(record["scenario"])
        files = _object(record.get("files"))
        pcap_name = files.get("pcap") or f"{pair}/{scenario}.pcap"
        server = _object(record.get("server"))
        client = _object(record.get("client"))
        capture = _object(record.get("capture"))
        spec = specs.get(scenario)
        messages = record.get("messages")
        if messages is None and spec is not None and spec.messages:
            messages = list(spec.messages)
        port = server.get("port", spec.port if spec else None)
        jobs.append(CaptureJob(
            pair=pair, scenario=scenario, pcap=root / pcap_name, pcap_name=pcap_name,
            server_log=root / files.get("server_log", f"{pair}/{scenario}.server.log"),
            client_log=root / files.get("client_log", f"{pair}/{scenario}.client.log"),
            spec=spec,
            messages=[str(m) for m in messages] if isinstance(messages, list) else None,
            expected_replies=[str(r) for r in record["expected_replies"]]
            if isinstance(record.get("expected_replies"), list) else None,
            server_port=int(port) if port is not None else None,
            server_address=server.get("address"), client_address=client.get("address"),
            counts=capture.get("counts") if isinstance(capture.get("counts"), dict) else None,
            run_status=record.get("status"),
            run_reasons=[str(r) for r in record.get("reasons") or []],
            sha256=hashes.get(pcap_name)))
    return jobs


def _jobs_from_files(root: Path, listed: set[Path]) -> list[CaptureJob]:
    course = course_scenarios()
    jobs: list[CaptureJob] = []
    files = sorted(p for p in root.rglob("*") if p.name.lower().endswith(CAPTURE_SUFFIXES)
                   and not p.name.endswith(ANNOTATED) and (p.is_file() or p.is_symlink())
                   and p.resolve() not in listed)
    for path in files:  # a link is listed, and read_capture refuses it (nothing outside is read)
        relative = path.relative_to(root)
        parent = relative.parent.as_posix()
        pair = shown(root.name if parent == "." else parent)  # names from disk are data
        stem = path.name.split(".", 1)[0] if path.name.lower().endswith(".gz") else \
            path.name[: -len(path.suffix)]
        scenario = stem if stem in course else "?"
        logs = [path.with_name(f"{stem}.server.log"), path.with_name(f"{stem}.client.log")]
        jobs.append(CaptureJob(
            pair=pair, scenario=scenario, pcap=path, pcap_name=shown(relative.as_posix()),
            server_log=logs[0], client_log=logs[1], spec=course.get(scenario),
            server_port=course[scenario].port if scenario in course else None,
            inferred=True))
    return jobs


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

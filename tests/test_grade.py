"""Grading captures students took by hand: real programs, real tcpdump, the hand-out's commands.

A class of three pairs (build_plan, messages from a seed) whose hand-out is followed over
loopback (tests/handin.py): ani-budi hands in a correct reqresp capture and an upcall capture
whose server never answered the last message (the student gave up with Ctrl+C); citra-dewi hands
in ani-budi's reqresp file under her own pair's name, and an upcall capture taken with the seeds'
own programs (bare text) saved as the seeds' ``upcall.pcap`` in a folder of hers; eka-fajar hands
in nothing; someone hands in ``tcp.pcap`` with messages of their own.
"""

from __future__ import annotations

import csv
import dataclasses
import gc
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from analyzer_loopback import can_capture
from handin import (class_plan, handout_commands, seed_programs, silent_server, take_capture,
                    write_plan)

from tcplab.grading.attempts import examine, judge_attempt
from tcplab.grading.intake import HandIn
from tcplab.grading.whose import MessageOwners, carried, pair_from_name, scenario_from_name
from tcplab.handout import write_handout

ROOT = Path(__file__).resolve().parent.parent
NO_CAPTURE = can_capture()
COLUMNS = ["pair", "scenario", "verdict", "answered", "reasons", "pcap", "ladder_svg",
           "ladder_png", "server_log", "client_log"]
USAGE = ("(usage: tcplab grade [-h] [--plan PLAN_JSON] [--out OUT] [--language {en,id}] "
         "HANDINS)")
OWN = ["halo", "apa kabar?"]


@dataclasses.dataclass
class Class:
    root: Path
    plan: dict
    plan_path: Path
    folder: Path

    def messages(self, pair: str, scenario: str) -> list[str]:
        return next(p for p in self.plan["pairs"] if p["name"] == pair)["messages"][scenario]

    def commands(self, pair: str, scenario: str):
        run_dir = Path(self.plan["run_dir"])
        return handout_commands((run_dir / "handout" / f"{pair}.md").read_text(encoding="utf-8"),
                                scenario)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Class:
    if NO_CAPTURE is not None:
        pytest.skip(NO_CAPTURE)
    root = tmp_path_factory.mktemp("class")
    plan = class_plan(root / "captures", [{"name": "ani-budi"}, {"name": "citra-dewi"},
                                          {"name": "eka-fajar"}])
    run_dir = Path(plan["run_dir"])
    plan_path = write_plan(plan, run_dir / "plan.json")  # as the lab writes it, every run
    os.symlink(run_dir.name, root / "captures" / "latest")
    write_handout(plan, run_dir / "handout", "en")
    lab = Class(root, plan, plan_path, root / "kiriman")
    folder = lab.folder

    take_capture(folder, lab.commands("ani-budi", "reqresp"), lab.messages("ani-budi", "reqresp"))
    upcall = lab.commands("ani-budi", "upcall")
    last = lab.messages("ani-budi", "upcall")[2]
    taken = take_capture(folder / "tmp", upcall, lab.messages("ani-budi", "upcall"),
                         server=silent_server(upcall, "upcall", 3),
                         interrupt_client_on=f"Received from client: {last}")
    assert taken.client_status == 130  # Ctrl+C: the reply never came
    taken.pcap.rename(folder / "ani-budi_upcall.pcap")
    (folder / "tmp").rmdir()
    shutil.copyfile(folder / "ani-budi-tcp.pcap", folder / "citra-dewi-tcp.pcap")
    citra = lab.commands("citra-dewi", "upcall")
    seeds = dataclasses.replace(citra, tcpdump=[*citra.tcpdump[:4], "upcall.pcap",
                                                *citra.tcpdump[5:]])
    server, client = seed_programs(lab.plan["scenarios"]["upcall"]["port"])
    taken = take_capture(folder / "dari-citra", seeds, lab.messages("citra-dewi", "upcall"),
                         server=server, client=client)
    assert (taken.server_status, taken.client_status) == (0, 0)
    eka = lab.commands("eka-fajar", "reqresp")
    taken = take_capture(folder, dataclasses.replace(eka, tcpdump=[*eka.tcpdump[:4], "tcp.pcap",
                                                                   *eka.tcpdump[5:]]), OWN)
    assert taken.client_status == 0
    return lab


def _grade(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tcplab", "grade", *args], cwd=cwd,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=300)


def graded(folder: Path) -> Path:
    """Where grading writes by default: beside the hand-ins, never into them."""
    return folder.with_name(folder.name + "-graded")


def _rows(folder: Path) -> list[dict[str, str]]:
    """grades.csv in `folder`, the report's folder."""
    with (folder / "grades.csv").open(encoding="utf-8", newline="") as grades:
        reader = csv.DictReader(grades)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def test_each_capture_is_graded_as_its_pair_and_scenario(lab: Class) -> None:
    done = _grade(str(lab.folder), "--plan", str(lab.plan_path))
    assert (done.returncode, done.stderr) == (0, "")
    out = graded(lab.folder)
    rows = _rows(out)
    ani = {s: lab.messages("ani-budi", s) for s in ("reqresp", "upcall")}
    citra = lab.messages("citra-dewi", "reqresp")
    assert [(r["pair"], r["scenario"], r["verdict"], r["answered"], r["pcap"]) for r in rows] == [
        ("ani-budi", "reqresp", "complete", "3/3", "../kiriman/ani-budi-tcp.pcap"),
        ("ani-budi", "upcall", "incomplete", "2/3", "../kiriman/ani-budi_upcall.pcap"),
        ("citra-dewi", "reqresp", "incomplete", "0/3", "../kiriman/citra-dewi-tcp.pcap"),
        ("citra-dewi", "upcall", "complete", "3/3", "../kiriman/dari-citra/upcall.pcap"),
        ("eka-fajar", "reqresp", "missing", "", ""),
        ("eka-fajar", "upcall", "missing", "", ""),
        ("tcp.pcap", "reqresp", "incomplete", "2/2", "../kiriman/tcp.pcap")]
    assert rows[0]["reasons"] == rows[3]["reasons"] == ""
    assert rows[1]["reasons"] == f"reply 3 is missing (expected 'Upcall event: Processing " \
                                 f"{ani['upcall'][2]}')"
    assert rows[2]["reasons"] == "; ".join(
        ["carries the messages of pair ani-budi"]
        + [f"message {n}: the client sent {sent!r}, the hand-out says {want!r}"
           for n, (sent, want) in enumerate(zip(ani["reqresp"], citra), start=1)])
    assert rows[4]["reasons"] == rows[5]["reasons"] == "no capture"
    assert rows[6]["reasons"] == (
        "whose capture this is is unknown: its file name does not start with a pair's name "
        "(<pair>-tcp.pcap) and no pair's own messages are in it; its messages belong to no "
        "pair: 'halo', 'apa kabar?'")
    for row in rows:
        for column in ("pcap", "ladder_svg", "ladder_png"):
            assert not row[column] or (out / row[column]).is_file()
    assert sorted(path.name for path in lab.folder.iterdir()) == [  # nothing written into them
        "ani-budi-tcp.pcap", "ani-budi_upcall.pcap", "citra-dewi-tcp.pcap", "dari-citra",
        "tcp.pcap"]


def test_a_files_analysis_is_freed_when_dropped_not_left_to_the_cycle_collector(lab: Class) -> None:
    """Grading a class reads file after file: what it drops is freed by reference counts at
    once. (Each attempt once held its submission, which holds its attempts: every file's whole
    analysis was a reference cycle, freed only by the cycle collector walking all of it.)"""
    owners = MessageOwners.of(lab.plan)
    path = lab.folder / "ani-budi-tcp.pcap"
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        found = examine(HandIn(path.name, path.name, (), path), lab.plan, owners)
        for attempt in found.attempts:
            judge_attempt(attempt, lab.plan, owners)
        assert [(a.scenario, a.reasons) for a in found.attempts] == [("reqresp", [])]
        assert found.attempts[0].submission.owner == "ani-budi"
        del found, attempt
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        if was:
            gc.enable()


def test_the_report_says_whose_each_capture_is_and_how_that_was_found(lab: Class) -> None:
    out = lab.root / "report-en"
    assert _grade(str(lab.folder), "--plan", str(lab.plan_path), "--out",
                  str(out)).returncode == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["source"]["plan"] == {"path": str(lab.plan_path), "run_id": lab.plan["run_id"],
                                        "lab_id": "tcplab"}
    assert report["class"] == ["ani-budi", "citra-dewi", "eka-fajar"]
    captures = {c["submission"]["file"]: c for c in report["captures"]}
    assert {name: (c["source"], c["submission"]["pair"], c["submission"]["owner_from"],
                   c["submission"]["scenario_from"], c["submission"]["carries"])
            for name, c in captures.items()} == {
        "ani-budi-tcp.pcap": ("plan", "ani-budi", "file name", "server port", {"ani-budi": 3}),
        "ani-budi_upcall.pcap": ("plan", "ani-budi", "file name", "server port",
                                 {"ani-budi": 3}),
        "citra-dewi-tcp.pcap": ("plan", "citra-dewi", "file name", "server port",
                                {"ani-budi": 3}),
        "dari-citra/upcall.pcap": ("plan", "citra-dewi", "messages", "server port",
                                   {"citra-dewi": 3}),
        "tcp.pcap": ("plan", None, None, "server port", {})}
    copied = captures["citra-dewi-tcp.pcap"]
    assert copied["submission"]["same_as"] == ["ani-budi-tcp.pcap"]
    assert "the same file as ani-budi-tcp.pcap" in copied["notes"]
    assert captures["ani-budi-tcp.pcap"]["verdict"] == "complete"  # the original is not blamed
    seeds = captures["dari-citra/upcall.pcap"]
    assert seeds["messages"]["client"]["framing"] == "segments"  # the seeds' bare text
    assert [e["request"]["text"] for e in seeds["exchanges"]] == \
        lab.messages("citra-dewi", "upcall")
    assert "pair citra-dewi's by its messages: 3 of the pair's own are in it" in seeds["notes"]
    assert seeds["handshake"]["complete"] and seeds["teardown"]["complete"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "carries the messages of pair ani-budi" in html
    summary = (out / "summary.txt").read_text(encoding="utf-8").splitlines()
    assert summary[0] == (f"Captures handed in, graded against the plan of run "
                          f"{lab.plan['run_id']}: 5 capture(s) for 3 pair(s) x 2 scenario(s); "
                          "2 complete, 3 incomplete, 0 unreadable, 2 missing")
    assert summary[1].split() == ["pair", "scenario", "file", "whose", "answered", "verdict"]
    assert summary[5].split()[:6] == ["citra-dewi", "upcall", "dari-citra/upcall.pcap",
                                      "messages", "3/3", "complete"]
    assert summary[-2:] == [f"Report: {out / 'report.html'}", f"Hand-ins: {lab.folder}"]


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_tshark_reads_the_same_messages_the_grader_matched(lab: Class) -> None:
    """What the grader says a capture carries, Wireshark's reader says too."""
    def client_payloads(pcap: Path, port: int) -> list[bytes]:
        fields = subprocess.run(
            ["tshark", "-r", str(pcap), "-Y", f"tcp.len > 0 && tcp.dstport == {port}",
             "-T", "fields", "-e", "tcp.payload"], capture_output=True, text=True, timeout=60,
            check=True).stdout.split()
        return [bytes.fromhex(field.replace(":", "")) for field in fields]

    ports = {name: spec["port"] for name, spec in lab.plan["scenarios"].items()}
    copied = client_payloads(lab.folder / "citra-dewi-tcp.pcap", ports["reqresp"])
    assert b"".join(copied).decode().splitlines() == lab.messages("ani-budi", "reqresp")
    seeds = client_payloads(lab.folder / "dari-citra" / "upcall.pcap", ports["upcall"])
    assert [p.decode() for p in seeds] == lab.messages("citra-dewi", "upcall")


def test_in_indonesian_with_the_plan_of_the_latest_run(lab: Class) -> None:
    out = lab.root / "report-id"
    done = _grade(str(lab.folder), "--out", str(out), "--language", "id", cwd=lab.root)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0] == ("--plan tidak disebutkan: menilai terhadap plan sesi terakhir, "
                        f"captures/latest/plan.json ({lab.plan_path})")
    assert lines[1] == "5 capture: 2 lengkap, 3 tidak lengkap, 0 tidak terbaca"
    assert lines[3].split() == ["pasangan", "skenario", "file", "milik", "dibalas", "hasil"]
    assert lines[-1] == f"Kumpulan tugas: {lab.folder}"
    rows = _rows(out)
    assert [r["verdict"] for r in rows] == ["complete", "incomplete", "incomplete", "complete",
                                           "missing", "missing", "incomplete"]
    assert rows[2]["reasons"].startswith("berisi pesan-pesan milik pasangan ani-budi; pesan 1: "
                                         "client mengirim ")
    assert rows[4]["reasons"] == "tidak ada capture"
    assert rows[6]["reasons"].endswith("pesan-pesannya bukan milik pasangan mana pun: 'halo', "
                                       "'apa kabar?'")
    assert '<html lang="id">' in (out / "report.html").read_text(encoding="utf-8")


def test_a_student_who_stopped_early(lab: Class, tmp_path: Path) -> None:
    typed = lab.messages("eka-fajar", "upcall")[:2]
    taken = take_capture(tmp_path, lab.commands("eka-fajar", "upcall"), typed)
    assert taken.client_status == 0 and taken.pcap.name == "eka-fajar-upcall.pcap"
    done = _grade(str(tmp_path), "--plan", str(lab.plan_path))
    assert done.returncode == 0
    row = next(r for r in _rows(graded(tmp_path)) if r["verdict"] != "missing")
    want = lab.messages("eka-fajar", "upcall")[2]
    assert (row["pair"], row["scenario"], row["verdict"], row["answered"]) == (
        "eka-fajar", "upcall", "incomplete", "2/3")
    assert row["reasons"] == (f"message 3 was not sent (hand-out: {want!r}); reply 3 is missing "
                              f"(expected 'Upcall event: Processing {want}')")
    assert len(_rows(graded(tmp_path))) == 6  # every pair and scenario: the others are missing


@pytest.mark.parametrize("case", ["no folder", "no latest plan", "plan unreadable",
                                  "plan not json", "out is a file"])
def test_usage_errors_are_one_line(case: str, tmp_path: Path) -> None:
    folder = tmp_path / "kiriman"
    folder.mkdir()
    plan = tmp_path / "plan.json"
    args = [str(folder), "--plan", str(plan)]
    if case == "no folder":
        args[0] = str(tmp_path / "nothing")
        expected = (f"{tmp_path / 'nothing'}: no such folder or zip (give the hand-ins: a folder, "
                    "or the course platform's zip)")
    elif case == "no latest plan":
        args = [str(folder)]
        expected = ("captures/latest/plan.json: no such file (give the plan.json of a run: "
                    "captures/<run-id>/plan.json)")
    elif case == "plan unreadable":
        plan.mkdir()
        expected = f"{plan}: cannot read the plan ([Errno 21] Is a directory: '{plan}')"
    elif case == "plan not json":
        plan.write_text("not json", encoding="utf-8")
        expected = (f"{plan}: not JSON (Expecting value: line 1 column 1 (char 0)); give the "
                    "plan.json the lab wrote")
    else:
        (tmp_path / "out").write_text("", encoding="utf-8")
        args += ["--out", str(tmp_path / "out")]
        expected = f"--out {tmp_path / 'out'}: not a folder (a symbolic link is not followed)"
    done = _grade(*args, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"error: {expected} {USAGE}\n"


# --- whose a file is, by its name and by its messages ------------------------------------------

def test_the_longest_pair_name_a_file_name_starts_with_wins() -> None:
    pairs = ["ani", "ani-budi", "budi"]
    assert pair_from_name("ani-budi-tcp.pcap", pairs) == "ani-budi"
    assert pair_from_name("ani_tcp.pcap", pairs) == "ani"
    assert pair_from_name("Ani-Budi_upcall.PCAP", pairs) == "ani-budi"
    assert pair_from_name("anitcp.pcap", pairs) is None  # no "-" or "_" after the name
    assert pair_from_name("tcp.pcap", pairs) is None


def test_a_file_name_says_the_scenario_as_the_seeds_name_it() -> None:
    """By the name the scenario gives its capture (scenarios.yml's ``handin``) or its own."""
    scenarios = {"reqresp": {"handin": "tcp"}, "upcall": {"handin": "upcall"}, "pubsub": {},
                 "reqresp-loss": {}, "chat": {"handin": "obrolan-tcp"}}
    assert scenario_from_name("ani-budi-tcp.pcap", "ani-budi", scenarios) == "reqresp"
    assert scenario_from_name("ani-budi-reqresp.pcap", "ani-budi", scenarios) == "reqresp"
    assert scenario_from_name("upcall.pcap", None, scenarios) == "upcall"
    assert scenario_from_name("ani_pubsub-2.pcapng", "ani", scenarios) == "pubsub"
    assert scenario_from_name("budi-tcp-upcall.pcap", "budi", scenarios) is None  # which one?
    assert scenario_from_name("capture.pcap", None, scenarios) is None
    # reqresp said inside reqresp-loss (and tcp inside obrolan-tcp) is the longer one's
    assert scenario_from_name("ani-reqresp-loss.pcap", "ani", scenarios) == "reqresp-loss"
    assert scenario_from_name("ani_Reqresp_Loss (1).pcapng", "ani", scenarios) == "reqresp-loss"
    assert scenario_from_name("ani-obrolan-tcp.pcap", "ani", scenarios) == "chat"
    assert scenario_from_name("ani-reqresp-loss-tcp.pcap", "ani", scenarios) is None


def test_only_messages_given_to_one_pair_say_whose_a_capture_is(tmp_path: Path) -> None:
    plan = class_plan(tmp_path, [{"name": "ani"}, {"name": "budi", "messages": {
        "reqresp": ["halo"]}}, {"name": "citra", "messages": {"reqresp": ["halo"]}}],
        ports={"reqresp": 2222, "upcall": 4141})
    owners = MessageOwners.of(plan)
    ani = plan["pairs"][0]["messages"]
    assert carried([*ani["reqresp"][:2], ani["upcall"][0], "halo", "hello"], owners) == \
        {"ani": 3}  # "halo" is budi's and citra's; "hello" nobody's
    assert carried(["halo"], owners) == {}
    assert owners.known("halo") and not owners.known("hello")


def test_a_file_that_is_not_a_capture_is_graded_unreadable_and_named(tmp_path: Path) -> None:
    plan_path = write_plan(class_plan(tmp_path / "captures", [{"name": "ani-budi"}],
                                      ports={"reqresp": 2222, "upcall": 4141}),
                           tmp_path / "plan.json")
    folder = tmp_path / "kiriman"
    folder.mkdir()
    (folder / "ani-budi-tcp.pcap").write_text("<html>not a capture</html>", encoding="utf-8")
    done = _grade(str(folder), "--plan", str(plan_path))
    assert done.returncode == 0
    assert done.stderr == ("error: ani-budi-tcp.pcap: not a pcap or pcapng capture (starts with "
                           "bytes 3c68746d: HTML)\n")
    rows = _rows(graded(folder))
    assert [(r["pair"], r["scenario"], r["verdict"]) for r in rows] == [
        ("ani-budi", "reqresp", "unreadable"), ("ani-budi", "upcall", "missing")]
    assert rows[0]["reasons"] == ("ani-budi-tcp.pcap: not a pcap or pcapng capture (starts with "
                                  "bytes 3c68746d: HTML)")


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
def test_the_annotated_copy_shows_what_is_wrong_on_its_packet(lab: Class) -> None:
    out = lab.root / "annotated"
    assert _grade(str(lab.folder), "--plan", str(lab.plan_path), "--out",
                  str(out)).returncode == 0
    copy = out / "annotated" / "ani-budi" / "upcall.annotated.pcapng"
    lines = subprocess.run(["tshark", "-r", str(copy), "-T", "fields", "-e", "frame.comment"],
                           capture_output=True, text=True, timeout=60, check=True).stdout
    last = lab.messages("ani-budi", "upcall")[2]
    wrong = [line for line in lines.splitlines() if "problem:" in line]
    assert wrong == [f"client sends {last!r} ({len(last) + 1} bytes); problem: reply 3 is "
                     f"missing (expected 'Upcall event: Processing {last}')"]
    assert all(line for line in lines.splitlines())

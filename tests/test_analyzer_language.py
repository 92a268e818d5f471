"""The report in the course's language: language files, every sentence translated, the summary."""

from __future__ import annotations

import json
import string
import subprocess
import sys
from pathlib import Path

from html.parser import HTMLParser

import dpkt
import pytest
from analyzer_cases import exchange, manifest_capture, reqresp_flow, upcall_flow, write_run

import tcplab.lang
from tcplab import craft
from tcplab.analysis.phases import close_style
from tcplab.craft import C, Flow, S
from tcplab.i18n import Text, language, languages
from tcplab.analysis.model import C2S, S2C, side_name
from tcplab.cli import report as main
from tcplab.render.report import write_report

ROOT = Path(__file__).resolve().parent.parent
LANG_FOLDER = ROOT / "tcplab" / "lang"


def _fields(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


def test_the_languages_are_the_files_of_tcplab_lang() -> None:
    files = sorted(p.stem for p in LANG_FOLDER.glob("*.py") if p.stem != "__init__")
    assert list(languages()) == files == ["en", "id"]
    assert languages()["id"].name == "Bahasa Indonesia"


@pytest.mark.parametrize("code", sorted(languages()))
def test_every_language_has_exactly_the_english_keys_and_fields(code: str) -> None:
    english = language("en").strings
    strings = language(code).strings
    assert set(strings) == set(english), set(strings) ^ set(english)
    for key, template in english.items():
        assert _fields(strings[key]) == _fields(template), key


def test_text_is_its_english_sentence_and_says_itself_in_indonesian() -> None:
    text = Text("reason.termination", description=Text("teardown.open"))
    assert text == ("termination: no FIN and no reset: the connection is still open at the end "
                    "of the capture")
    assert language("id").render(text) == ("termination: tidak ada FIN maupun reset: koneksi "
                                           "masih terbuka di akhir capture")
    data = "{description} is data, not a template"
    assert language("id").render(Text("reason.termination", description=data)) == \
        "termination: " + data


# --- a run full of problems, read in both languages ------------------------------------------

def _troubled_run(root: Path) -> Path:
    """Captures with a reason, note or anomaly of most kinds, and their manifest."""
    captures = []

    def add(pair: str, scenario: str, flow_or_bytes: Flow | bytes, messages: list[str],
            **entry: object) -> None:
        (root / pair).mkdir(parents=True, exist_ok=True)
        path = root / pair / f"{scenario}.pcap"
        if isinstance(flow_or_bytes, Flow):
            craft.write_pcap(path, flow_or_bytes.frames)
        else:
            path.write_bytes(flow_or_bytes)
        capture = manifest_capture(pair, scenario, messages)
        capture.update(entry)
        captures.append(capture)

    flow = Flow()  # retransmission, a wrong reply, an unfinished line, a reset
    flow.handshake()
    flow.send(C, b"hello\n")
    flow.packet(C, "PA", b"hello\n", seq=flow.next_seq[C] - 6, delay=0.2)
    flow.ack(S)
    flow.send(S, b"HELLO\n")
    flow.send(C, b"unfinished")
    flow.reset(S)
    add("p01", "reqresp", flow, ["hello", "bye"])
    flow = Flow(server=("10.213.1.2", 4141))  # no handshake, a gap, the server closes first
    flow.next_seq = {C: flow.client_isn + 1, S: flow.server_isn + 1}
    flow.acked = {C: flow.server_isn + 1, S: flow.client_isn + 1}
    for message in ("1", "lost", "3"):
        exchange(flow, message, "Upcall event: Processing " + message)
    del flow.frames[4]  # the client's "lost"
    flow.close(first=S)
    add("p01", "upcall", flow, ["1", "lost", "3"],
        capture={"counts": {"captured": 20, "dropped_by_kernel": 3}})
    unframed = Flow(server=("10.213.1.2", 4141))  # the seeds' programs, with noise around
    unframed.handshake()
    unframed.send(C, b"1")
    unframed.ack(S)
    unframed.send(S, b"Upcall event: Processing 1")
    unframed.ack(C)
    unframed.close(four_way=True)
    noise = Flow(client=("10.213.1.3", 50000), server=("10.213.1.9", 80), start=1763745780.0)
    noise.handshake()
    path = root / "p02" / "upcall.pcap"
    path.parent.mkdir(parents=True)
    arp = bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\xff" * 6,
                                       type=dpkt.ethernet.ETH_TYPE_ARP, data=dpkt.arp.ARP()))
    with path.open("wb") as out:
        writer = dpkt.pcap.Writer(out, linktype=1)
        _, wrap = craft.LINKS["ethernet"]
        for frame in sorted(noise.frames + unframed.frames, key=lambda f: f.time):
            writer.writepkt(wrap(frame), ts=frame.time)
        writer.writepkt(arp, ts=unframed.frames[-1].time + 0.001)
    capture = manifest_capture("p02", "upcall", ["1"])
    capture["server"]["address"] = "10.213.1.99"
    captures.append(capture)
    add("p02", "reqresp", reqresp_flow(["x"]), ["x"])
    cut = root / "p02" / "reqresp.pcap"
    cut.write_bytes(cut.read_bytes()[:-20])
    add("p03", "reqresp", b"not a capture at all", ["x"])
    craft.write_pcap(root / "stray.pcap", reqresp_flow(["x"], port=2999).frames)
    write_run(root, captures, ["p01", "p02", "p03", "p04"])
    return root


def _sentences(document: dict) -> list[str]:
    """Every free-text field of report.json, in document order."""
    found = list(document["source"]["notes"])
    found += [r for v in document["pair_verdicts"] for r in v["reasons"]]
    for capture in document["captures"]:
        found += capture["reasons"] + capture["notes"] + [a["detail"]
                                                          for a in capture["anomalies"]]
        found += [capture["error"]] if capture["error"] else []
        if capture["phases"]:
            found += [capture["phases"]["text"], *capture["phases"]["explanation"]]
        if capture["teardown"]:
            found.append(capture["teardown"]["description"])
        if capture["messages"]:
            found += [m["note"] for m in capture["messages"].values() if m["note"]]
        if capture["signature"] and capture["signature"]["difference"]:
            found.append(capture["signature"]["difference"])
        for item in capture["exchanges"]:
            found += item["problems"]
    return found


def test_every_sentence_of_the_report_is_said_in_indonesian(tmp_path: Path) -> None:
    run = _troubled_run(tmp_path / "run")
    english = json.loads((write_report(run, tmp_path / "en").html.parent / "report.json")
                         .read_text(encoding="utf-8"))
    indonesian = json.loads((write_report(run, tmp_path / "id", language("id")).html.parent
                             / "report.json").read_text(encoding="utf-8"))
    assert indonesian["language"] == "id"
    said_in_english, said_in_indonesian = _sentences(english), _sentences(indonesian)
    assert len(said_in_english) == len(said_in_indonesian) > 40
    same = [(e, i) for e, i in zip(said_in_english, said_in_indonesian) if e == i]
    assert same == []
    kinds = {a["kind"] for c in english["captures"] for a in c["anomalies"]}
    assert kinds >= {"retransmission", "reset", "gap", "framing", "tcpdump drops",
                     "truncated file"}
    assert "satu pesan per segmen data" in " ".join(said_in_indonesian)


class _VisibleText(HTMLParser):
    """The text a reader sees on the page: no tags, no style sheet."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.parts.append(data)


def test_indonesian_pages_have_no_english_labels(tmp_path: Path) -> None:
    run = _troubled_run(tmp_path / "run")
    page = write_report(run, lang=language("id")).html.read_text(encoding="utf-8")
    reader = _VisibleText()
    reader.feed(page)
    html = " ".join(reader.parts)
    markdown = (run / "report.md").read_text(encoding="utf-8")
    svg = (run / "ladders" / "p01" / "reqresp.svg").read_text(encoding="utf-8")
    assert '<html lang="id">' in page
    for english in ("pair verdict", "every packet", "client sent", "Phases", "roles from",
                    "complete", "no capture", "not captured", "matches the expected"):
        assert english not in html and english not in markdown, english
    for english in ("time (s)", "dashed red", ">data<"):
        assert english not in svg, english
    assert ">waktu (s)<" in svg and ">pertukaran data<" in svg and ">retransmisi" not in svg
    assert ">termination<" in svg  # the seeds' own word for the phase, as "handshake"
    assert "[retransmisi]" in svg
    assert ">panah merah putus-putus: retransmisi, out-of-order, zero window, reset<" in svg
    # the kernel drops the packets, tcpdump reports them
    assert ("- paket dibuang (dilaporkan tcpdump): tcpdump melaporkan 3 paket dibuang oleh "
            "kernel\n") in markdown


# --- the phases, told like the seeds ---------------------------------------------------------

def _seed_like_run(root: Path) -> Path:
    """upcall.md's capture: one message "1", the client closes, a four-way termination."""
    (root / "p01").mkdir(parents=True)
    craft.write_pcap(root / "p01" / "upcall.pcap", upcall_flow(["1"], four_way=True).frames)
    write_run(root, [manifest_capture("p01", "upcall", ["1"])], ["p01"], ["upcall"])
    return root


@pytest.mark.parametrize("code,expected", [
    ("en", ["Rows 1-3: the three-way handshake opens the connection: the client asks (SYN), the "
            "server agrees (SYN, ACK), the client confirms (ACK).",
            "Rows 4-7: the data exchange: the client sends 1 message(s), the server answers with "
            "1 reply(ies), and each side acknowledges (ACK) what it received.",
            "Rows 8-11: the four-way termination: the client asks to close the connection (FIN, "
            "row 8), and in row 10 the server agrees (FIN)."]),
    ("id", ["Baris 1-3: dilakukan 3-way handshake untuk membuka koneksi antara client dan "
            "server, yaitu client meminta koneksi (SYN), server menyetujuinya (SYN, ACK), lalu "
            "client mengonfirmasi (ACK).",
            "Baris 4-7: terjadi pertukaran data antara client dan server, yaitu client mengirim "
            "1 pesan ke server, server membalas dengan 1 balasan, dan setiap pihak mengonfirmasi "
            "(ACK) data yang diterimanya.",
            "Baris 8-11: terjadi tahapan 4-way termination, yaitu client me-request untuk "
            "menutup koneksi (FIN, baris 8), dan pada baris 10 server menyetujui request "
            "tersebut (FIN)."]),
])
def test_phases_are_explained_like_the_seeds(tmp_path: Path, code: str,
                                             expected: list[str]) -> None:
    run = _seed_like_run(tmp_path / "run")
    written = write_report(run, lang=language(code))
    capture = written.document["captures"][0]
    assert capture["phases"]["explanation"] == expected
    html = written.html.read_text(encoding="utf-8")
    markdown = (run / "report.md").read_text(encoding="utf-8")
    for sentence in expected:
        assert f"<li>{sentence}</li>" in html
        assert f"- {sentence}\n" in markdown


def test_reset_and_unfinished_terminations_are_explained(tmp_path: Path) -> None:
    run = _troubled_run(tmp_path / "run")
    document = write_report(run, lang=language("id")).document
    stories = {(c["pair"], c["scenario"]): c["phases"]["explanation"][-1]
               for c in document["captures"] if c["phases"]}
    assert stories[("p01", "reqresp")] == ("Baris 9: tidak terjadi tahapan termination yang "
                                           "normal: server me-reset koneksi (RST, baris 9).")
    assert stories[("p01", "upcall")] == ("Baris 12-14: terjadi tahapan 3-way termination, "
                                          "yaitu server me-request untuk menutup koneksi (FIN, "
                                          "baris 12), dan pada baris 13 client menyetujui "
                                          "request tersebut (FIN).")
    assert stories[("p02", "reqresp")] == ("Baris 8-9: tahapan termination belum selesai: client "
                                           "menutup lebih dulu, tetapi FIN dari server tidak "
                                           "dikonfirmasi.")
    closes = {(c["pair"], c["scenario"]): c["teardown"]["description"]
              for c in document["captures"] if c["teardown"]}
    # one close, one name: the story's "3-way termination", not "penutupan 3-way"
    assert closes[("p01", "upcall")] == ("server menutup lebih dulu; 3-way termination: FIN, ACK "
                                         "(12) → FIN, ACK (13) → ACK (14)")
    assert closes[("p02", "upcall")].endswith("; 4-way termination: FIN, ACK (11) → ACK (12) → "
                                              "FIN, ACK (13) → ACK (14)")


@pytest.mark.parametrize("code,styles,story", [
    ("en", ["three-way", "four-way", "5-way"],
     "Rows 12-16: the 5-way termination: the client asks to close the connection (FIN, row 12), "
     "and in row 14 the server agrees (FIN)."),
    ("id", ["3-way", "4-way", "5-way"],
     "Baris 12-16: terjadi tahapan 5-way termination, yaitu client me-request untuk menutup "
     "koneksi (FIN, baris 12), dan pada baris 14 server menyetujui request tersebut (FIN)."),
])
def test_a_termination_is_named_by_the_segments_it_counts(code: str, styles: list[str],
                                                          story: str) -> None:
    """3-way and 4-way count segments; so does any other count ("5-way", not "5 paket")."""
    lang = language(code)
    assert [lang.render(close_style(packets)) for packets in (3, 4, 5)] == styles
    told = Text("story.termination", rows="12-16", style=close_style(5), closer=side_name(C2S),
                fin=12, other=side_name(S2C), agreed=14)
    assert lang.render(told) == story


def test_a_zero_window_is_sent_not_announced(tmp_path: Path) -> None:
    run = tmp_path / "run"
    (run / "p01").mkdir(parents=True)
    flow = Flow()
    flow.handshake()
    flow.send(C, b"hello\n")
    flow.packet(S, "A", window=0)
    flow.packet(S, "A", delay=0.01)
    flow.send(S, b"hello\n")
    flow.ack(C)
    flow.close()
    craft.write_pcap(run / "p01" / "reqresp.pcap", flow.frames)
    write_run(run, [manifest_capture("p01", "reqresp", ["hello"])], ["p01"], ["reqresp"])
    write_report(run, lang=language("id"))
    markdown = (run / "report.md").read_text(encoding="utf-8")
    assert "- zero window (paket 5): server mengirim zero window (window = 0)\n" in markdown


def test_a_record_longer_than_any_packet_is_said_as_its_header_says(tmp_path: Path) -> None:
    """The record header states a length; the file does not "claim" ("mengaku") anything."""
    folder = tmp_path / "kiriman"
    folder.mkdir()
    pcap = craft.write_pcap(folder / "tcp.pcap", reqresp_flow(["x"]).frames)
    data = bytearray(pcap.read_bytes())
    order = "little" if data[:4] == b"\xd4\xc3\xb2\xa1" else "big"
    second = 24 + 16 + int.from_bytes(data[32:36], order)  # the second record's header
    data[second + 8:second + 12] = (0x5000000).to_bytes(4, order)
    pcap.write_bytes(bytes(data))
    error = write_report(folder, lang=language("id")).document["captures"][0]["error"]
    assert error == ("tcp.pcap: terpotong: menurut header-nya, record paket 2 berisi 83886080 "
                     "byte: file rusak mulai dari record ini (1 paket utuh terbaca)")


FOREIGN_TO_THE_SEEDS = {  # what id.py must not say, and what the seeds say instead
    "three-way": "3-way handshake, 3-way termination",
    "four-way": "4-way termination",
    "penutupan": "termination (one name for one close)",
    "terminasi": "termination",
    "jalankan packet capturing": "melakukan packet capturing",
    "dijawab": "dibalas",
    "mengumumkan": "mengirim (zero window)",
    "dibuang tcpdump": "dibuang (dilaporkan tcpdump): the kernel drops, tcpdump reports",
    "mengaku": "menurut header-nya ... berisi",
    "di sana": "seharusnya berisi",
    "berikan": "gunakan",
    "diberikan": "disebutkan",
}


def test_indonesian_says_tcp_in_the_seeds_words() -> None:
    said = {key: [f"{word!r} (say: {seeds})" for word, seeds in FOREIGN_TO_THE_SEEDS.items()
                  if word in template.lower()]
            for key, template in language("id").strings.items()}
    assert {key: words for key, words in said.items() if words} == {}


# --- the summary and the command line ---------------------------------------------------------

def _cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tcplab", "report", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def _lab_run(root: Path) -> Path:
    """A run whose manifest says p02/upcall failed, as the lab writes it."""
    captures = []
    for pair in ("p01", "p02"):
        (root / pair).mkdir(parents=True)
        for scenario, flow in (("reqresp", reqresp_flow(["a", "b"])),
                               ("upcall", upcall_flow(["a", "b"]))):
            craft.write_pcap(root / pair / f"{scenario}.pcap", flow.frames)
            captures.append(manifest_capture(pair, scenario, ["a", "b"], counts={
                "captured": 14, "received_by_filter": 14, "dropped_by_kernel": 0}))
    captures[3].update(status="failed", answered=1, reasons=[
        "client exited 1: error: no reply from 10.213.2.2:4141 within 10 seconds"])
    write_run(root, captures, ["p01", "p02"])
    return root


def test_summary_in_indonesian(tmp_path: Path) -> None:
    run = _lab_run(tmp_path / "20261121T172933Z")
    done = _cli(str(run), "--language", "id")
    assert done.returncode == 0, done.stderr
    summary = (f"Sesi 20261121T172300Z: 2 pasangan x 2 skenario, 3 dari 4 capture ok\n"
               f"pasangan  skenario     paket   dibalas  status\n"
               f"p01       reqresp         14       2/2  ok\n"
               f"p01       upcall          14       2/2  ok\n"
               f"p02       reqresp         14       2/2  ok\n"
               f"p02       upcall          14       1/2  GAGAL: client exited 1: error: no reply "
               f"from 10.213.2.2:4141 within 10 seconds\n"
               f"Laporan: {run / 'report.html'}\n"
               f"Folder sesi: {run}\n")
    assert (run / "summary.txt").read_text(encoding="utf-8") == summary
    assert done.stdout == "4 capture: 4 lengkap, 0 tidak lengkap, 0 tidak terbaca\n" + summary


def test_no_folder_reads_the_latest_run_and_says_so(tmp_path: Path) -> None:
    run = _lab_run(tmp_path / "captures" / "20261121T172933Z")
    (tmp_path / "captures" / "latest").symlink_to(run.name)
    done = _cli(cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == (f"No folder given: reading the latest run, captures/latest "
                        f"({run})")
    assert lines[-2:] == [f"Report: {run / 'report.html'}", f"Run folder: {run}"]
    assert (run / "report.html").is_file() and (run / "summary.txt").is_file()
    done = _cli("--language", "id", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == (f"Folder tidak disebutkan: membaca sesi terakhir, "
                                           f"captures/latest ({run})")


@pytest.mark.parametrize("args,fragment", [
    ((), "no DIR given and there is no latest run here"),
    (("--language", "fr"), "argument --language: invalid choice: 'fr' (choose from 'en', 'id')"),
    (("nope",), "nope: no such folder"),
    (("a", "b"), "unrecognized arguments: b"),
])
def test_usage_errors_are_one_line_with_status_2(tmp_path: Path, args: tuple[str, ...],
                                                 fragment: str) -> None:
    (tmp_path / "a").mkdir()
    done = _cli(*args, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert fragment in done.stderr
    assert "usage: tcplab report" in done.stderr


def test_a_language_is_one_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copy en.py to xx.py, change its values: `--language xx` is a report in that language."""
    folder = tmp_path / "more_languages"
    folder.mkdir()
    source = (LANG_FOLDER / "en.py").read_text(encoding="utf-8")
    (folder / "xx.py").write_text(source.replace('NAME = "English"', 'NAME = "Shouting"')
                                  + "\nSTRINGS = {key: '[xx] ' + value for key, value in "
                                    "STRINGS.items()}\n", encoding="utf-8")
    run = _seed_like_run(tmp_path / "run")
    with monkeypatch.context() as patch:
        patch.setattr(tcplab.lang, "__path__", [*tcplab.lang.__path__, str(folder)])
        languages.cache_clear()
        try:
            assert main([str(run), "--language", "xx"]) == 0
        finally:
            languages.cache_clear()
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "<li>[xx] Rows 1-3: the three-way handshake" in html
    assert "<html lang=\"xx\">" in html
    assert (run / "summary.txt").read_text().splitlines()[-1] == f"[xx] Run folder: {run}"
    assert "xx" not in languages()

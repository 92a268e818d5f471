"""The hand-out of real plans (build_plan): each pair's commands, messages and files, in Markdown
(read back with a CommonMark parser) and HTML (read back with an HTML parser, and in headless
Chromium: one printed page per pair), in English and Indonesian."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from tcplab.planning import build_plan

from tcplab.handout import write_handout
from tcplab.formats.plan import PlanFileError

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = {  # as scenarios.yml defines them
    "reqresp": {"port": 2222, "server": "reqresp/server.py", "client": "reqresp/client.py",
                "reply_format": "{message}", "handin": "tcp", "messages": ["hello"]},
    "upcall": {"port": 4141, "server": "upcall/server.py", "client": "upcall/client.py",
               "reply_format": "Upcall event: Processing {message}", "handin": "upcall",
               "messages": ["1"]},
}
REQRESP_PROGRAMS = {key: value for key, value in SCENARIOS["reqresp"].items() if key != "handin"}
ODD = ["<b>tebal</b>", "`kode` & *miring* _x_", "a | b # [c](d)", "  spasi  ", "exit", "",
       "&amp; {{ 7*7 }} \\n"]
HOSTS = {"localhost": {"ansible_connection": "local"}, "vm01": {"ansible_host": "192.0.2.11"},
         "vm02": {"ansible_host": "192.0.2.12"}, "hv": {"ansible_host": "192.0.2.1"}}
ROSTER = [{"name": "ani-budi"}, {"name": "citra", "messages": {"reqresp": ODD}},
          {"name": "vm-pair", "server": "vm01", "client": "vm02"},
          {"name": "solo", "server": "vm02", "client": "vm02"}]


def class_plan(captures: str = "/srv/captures", **changes: object) -> dict:
    settings = {"lab_id": "tcplab", "lab_run_id": "20261122T050221Z", "lab_class_size": 0,
                "lab_roster": ROSTER, "lab_run_scenarios": ["reqresp", "upcall"],
                "lab_scenarios": SCENARIOS, "lab_messages": {}, "lab_messages_seed": "rahasia",
                "lab_captures_dir": captures, "lab_programs_dir": "", "lab_image_name": "img",
                "lab_network_pool": "10.213.0.0/16", "lab_network_prefix": 24,
                "lab_capture_host": "hv", "lab_remote_dir": "/opt/tcplab",
                "lab_spool": "/var/tmp/tcplab", **changes}
    return build_plan(settings, {"hosts": HOSTS})


class Page(HTMLParser):
    """What a reader sees of hand-outs: per pair (h1) its lines, and per scenario (h2 with a
    port) its steps, commands (pre) and messages (the list inside a step: the code of each item,
    and the item's whole text)."""

    BLOCKS = ("h1", "h2", "p", "tr")

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[dict] = []
        self._section: dict | None = None
        self._lists = 0
        self._nav = False
        self._text: list[str] | None = None
        self._tag: str | None = None
        self._pre: list[str] | None = None
        self._message: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "nav":
            self._nav = True
        elif tag == "pre":
            self._pre = []
        elif tag == "li" and self._lists == 2:
            self._message = {"code": None, "text": []}
        elif tag == "code" and self._message is not None and self._message["code"] is None:
            self._message["code"] = []
        elif self._text is None and (tag in self.BLOCKS or tag == "li" and self._lists == 1):
            self._tag, self._text = tag, []
        if tag in ("ol", "ul"):
            self._lists += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._nav = False
        elif tag in ("ol", "ul"):
            self._lists -= 1
        elif tag == "pre" and self._pre is not None:
            if not self._nav:
                self._section["commands"].append("".join(self._pre).strip())  # type: ignore
            self._pre = None
        elif tag == "code" and self._message is not None and \
                isinstance(self._message["code"], list):
            self._message["code"] = "".join(self._message["code"])
        elif tag == "li" and self._message is not None:
            self._message["text"] = " ".join("".join(self._message["text"]).split())
            self._section["messages"].append(self._message)  # type: ignore[index]
            self._message = None
        elif tag == self._tag and self._text is not None:
            text = " ".join("".join(self._text).split())
            self._text = self._tag = None
            if not self._nav:
                self._add(tag, text)

    def _add(self, tag: str, text: str) -> None:
        if tag == "h1":
            self.pairs.append({"title": text, "lines": [], "scenarios": []})
            self._section = None
        elif tag == "h2" and "(port" in text:
            self._section = {"title": text, "commands": [], "steps": [], "messages": []}
            self.pairs[-1]["scenarios"].append(self._section)
        elif tag == "h2":
            self._section = None
            self.pairs[-1]["lines"].append(text)
        elif tag == "li" and self._section is not None:
            self._section["steps"].append(text)
        else:
            self.pairs[-1]["lines"].append(text)

    def handle_data(self, data: str) -> None:
        if self._pre is not None:
            self._pre.append(data)
        elif self._message is not None:
            self._message["text"].append(data)
            if isinstance(self._message["code"], list):
                self._message["code"].append(data)
        elif self._text is not None:
            self._text.append(data)


def read_html(html: str) -> list[dict]:
    page = Page()
    page.feed(html)
    return page.pairs


def read_markdown(markdown: str) -> list[dict]:
    markdown_it = pytest.importorskip("markdown_it")
    return read_html(markdown_it.MarkdownIt("commonmark").render(markdown))


def expected_commands(plan: dict, pair: dict, scenario: str) -> list[str]:
    port = plan["scenarios"][scenario]["port"]
    pcap = f"{pair['name']}-{'tcp' if scenario == 'reqresp' else scenario}.pcap"
    server, client = pair["server"], pair["client"]
    run = f"python3 /opt/tcplab/{scenario}/"
    if pair["kind"] == "docker":
        return [f"docker exec -it {server['container']} {run}server.py --port {port}",
                f"tcpdump -i {pair['network']['bridge']} -w {pcap}",
                f"docker exec -it {client['container']} {run}client.py --host "
                f"{server['address']} --port {port}"]
    interface = pair["capture"]["interface"] or "INTERFACE"
    return [f"{run}server.py --port {port}",
            f"tcpdump -i {interface} -w {pcap} 'tcp and host {client['address']} and ((src host "
            f"{server['address']} and src port {port}) or (dst host {server['address']} and dst port "
            f"{port}))'",
            f"{run}client.py --host {server['address']} --port {port}"]


@pytest.fixture(scope="module")
def plan() -> dict:
    return class_plan()


@pytest.fixture(scope="module", params=["en", "id"])
def handout(request: pytest.FixtureRequest, plan: dict,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Path]]:
    out = tmp_path_factory.mktemp("handout")
    return request.param, write_handout(plan, out, request.param)


def test_one_sheet_per_pair_and_one_page_for_all(plan: dict,
                                                 handout: tuple[str, list[Path]]) -> None:
    _, written = handout
    out = written[0].parent
    assert written == [out / f"{p['name']}.md" for p in plan["pairs"]] + [out / "index.html"]
    assert all(path.is_file() for path in written)


def test_each_pair_reads_its_own_containers_commands_and_messages(
        plan: dict, handout: tuple[str, list[Path]]) -> None:
    code, written = handout
    index = read_html(written[-1].read_text(encoding="utf-8"))
    assert len(index) == len(plan["pairs"])
    for pair, markdown_file, from_html in zip(plan["pairs"], written, index):
        from_markdown, = read_markdown(markdown_file.read_text(encoding="utf-8"))
        for sheet in (from_markdown, from_html):
            title = {"en": "TCP lab: pair {}", "id": "Lab TCP: pasangan {}"}[code]
            assert sheet["title"] == title.format(pair["name"])
            assert [s["title"] for s in sheet["scenarios"]] == ["reqresp (port 2222)",
                                                              "upcall (port 4141)"]
            for scenario, section in zip(("reqresp", "upcall"), sheet["scenarios"]):
                assert section["commands"] == expected_commands(plan, pair, scenario)
                typed = [m["code"] if m["code"] is not None else None
                         for m in section["messages"]]
                assert typed == [m or None for m in pair["messages"][scenario]]
            text = " ".join(sheet["lines"])
            for value in (pair["server"]["address"], pair["client"]["address"]):
                assert value in text
            if pair["kind"] == "docker":
                for value in (pair["server"]["container"], pair["client"]["container"],
                              pair["network"]["bridge"], pair["docker_host"]):
                    assert value in text


def test_the_steps_are_the_seeds_procedure_in_words(plan: dict,
                                                    handout: tuple[str, list[Path]]) -> None:
    code, written = handout
    ani, = read_markdown(written[0].read_text(encoding="utf-8"))
    words = {
        "en": ["In a first terminal on the Docker host, start the server:",
               "In a second terminal on the Docker host, find the bridge with ip a (it is "
               "tcplab-001) and start the capture (as root, or with sudo):",
               "In a third terminal on the Docker host, start the client:",
               "At the client's prompt, type these messages in this order, each followed by "
               "Enter:",
               "Type exit and Enter: the client closes the connection and the server stops.",
               "Stop tcpdump with Ctrl+C. Your capture of reqresp is the file "
               "ani-budi-tcp.pcap."],
        "id": ["Di terminal pertama pada Docker host, jalankan server:",
               "Di terminal kedua pada Docker host, cari bridge interface dengan ip a (yaitu "
               "tcplab-001), lalu gunakan tcpdump untuk melakukan packet capturing pada bridge "
               "interface tersebut (sebagai root, atau dengan sudo):",
               "Di terminal ketiga pada Docker host, jalankan client:",
               "Pada prompt client, ketik pesan-pesan berikut sesuai urutan, masing-masing "
               "diakhiri Enter:",
               "Ketik exit lalu Enter: client menutup koneksi dan server berhenti.",
               "Matikan tcpdump dengan Ctrl+C. Hasil packet capturing reqresp kalian adalah "
               "file ani-budi-tcp.pcap."]}[code]
    steps = ani["scenarios"][0]["steps"]
    assert steps[:3] == words[:3]
    assert steps[3] == words[3]
    assert steps[4:] == words[4:]
    bridge = {"en": "On the Docker host, ip a shows your bridge: the interface tcplab-001, with "
                    "the address 10.213.1.1/24.",
              "id": "Di Docker host, perintah ip a menampilkan bridge kalian: interface "
                    "tcplab-001 dengan alamat 10.213.1.1/24."}[code]
    assert bridge in ani["lines"]
    hand_in = [line for line in ani["lines"] if line.endswith("(reqresp)")
               or line.endswith("(upcall)")]
    assert hand_in == ["ani-budi-tcp.pcap (reqresp)", "ani-budi-upcall.pcap (upcall)"]


def test_messages_are_data_in_html_and_markdown(plan: dict,
                                                handout: tuple[str, list[Path]]) -> None:
    code, written = handout
    html = written[-1].read_text(encoding="utf-8")
    assert "<b>tebal</b>" not in html and "&lt;b&gt;tebal&lt;/b&gt;" in html
    assert "&amp;amp; {{ 7*7 }} \\n" in html
    citra, = read_markdown(written[1].read_text(encoding="utf-8"))
    messages = citra["scenarios"][0]["messages"]
    assert [m["code"] for m in messages] == [*ODD[:5], None, ODD[6]]
    assert messages[5]["text"] == {"en": "(an empty line: press Enter only)",
                                   "id": "(baris kosong: cukup tekan Enter)"}[code]
    warning = {"en": "exit (this message is exit and would stop the client: ask your teacher)",
               "id": "exit (pesan ini adalah exit dan akan menghentikan client: tanyakan ke "
                     "pengajar)"}[code]
    assert messages[4]["text"] == warning


def test_pairs_on_machines_capture_their_own_conversation(tmp_path: Path) -> None:
    plan = class_plan()
    pairs = {pair["name"]: pair for pair in plan["pairs"]}
    assert pairs["solo"]["capture"]["interface"] == "lo"
    assert expected_commands(plan, pairs["solo"], "upcall")[1] == (
        "tcpdump -i lo -w solo-upcall.pcap 'tcp and host 192.0.2.12 and ((src host 192.0.2.12 and "
        "src port 4141) or (dst host 192.0.2.12 and dst port 4141))'")
    out = write_handout(plan, tmp_path)
    vm, = read_markdown(out[2].read_text(encoding="utf-8"))
    step = vm["scenarios"][0]["steps"][1]
    assert step == ("On hv, find the interface that routes to 192.0.2.11 with ip route get "
                    "192.0.2.11 (the name after \"dev\"), and start the capture on it, writing "
                    "its name for INTERFACE (as root, or with sudo):")


def test_any_other_scenario_hands_in_pair_dash_scenario(tmp_path: Path) -> None:
    scenarios = {**SCENARIOS, "pubsub": {**REQRESP_PROGRAMS, "port": 5555}}
    plan = class_plan(lab_scenarios=scenarios, lab_run_scenarios=["pubsub"],
                      lab_roster=ROSTER[:1])
    ani, = read_markdown(write_handout(plan, tmp_path)[0].read_text(encoding="utf-8"))
    assert ani["scenarios"][0]["commands"][1] == "tcpdump -i tcplab-001 -w ani-budi-pubsub.pcap"
    assert "ani-budi-pubsub.pcap (pubsub)" in ani["lines"]


# --- the command line --------------------------------------------------------------------------

def _handout(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tcplab", "handout", *args], cwd=cwd,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60)


def test_cli_writes_into_the_run_folder_by_default(tmp_path: Path) -> None:
    plan = class_plan(captures=str(tmp_path / "captures"))
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    done = _handout(str(tmp_path / "plan.json"))
    index = tmp_path / "captures" / "20261122T050221Z" / "handout" / "index.html"
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"Hand-out for 4 pair(s): {index}\n"
    done = _handout(str(tmp_path / "plan.json"), "--out", str(tmp_path / "kelas"),
                    "--language", "id")
    assert done.stdout == f"Lembar kerja untuk 4 pasangan: {tmp_path / 'kelas' / 'index.html'}\n"
    assert '<html lang="id">' in (tmp_path / "kelas" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("content,code,expected", [
    (None, "en", "{plan}: no such file (give the plan.json of a run: "
                 "captures/<run-id>/plan.json)"),
    ("{", "en", "{plan}: not JSON (Expecting property name enclosed in double quotes: line 1 "
                "column 2 (char 1)); give the plan.json the lab wrote"),
    ('{"schema": "tcplab.manifest/1"}', "en", "{plan}: not a tcplab plan (schema "
                                              "'tcplab.manifest/1', expected 'tcplab.plan/1')"),
    ("BAD_NAME", "en", "{plan}: pairs[2].name is '../citra'; a plan has a unique pair name "
                       "(lower-case letters, digits and dashes) there"),
    (None, "id", "{plan}: file tidak ada (gunakan plan.json dari sebuah sesi: "
                 "captures/<run-id>/plan.json)"),
    ("{", "id", "{plan}: bukan JSON (Expecting property name enclosed in double quotes: line 1 "
                "column 2 (char 1)); gunakan plan.json yang ditulis oleh lab"),
    ('{"schema": "tcplab.manifest/1"}', "id", "{plan}: bukan plan tcplab (skema "
                                              "'tcplab.manifest/1', seharusnya 'tcplab.plan/1')"),
    ("BAD_NAME", "id", "{plan}: pairs[2].name bernilai '../citra'; seharusnya berisi nama "
                       "pasangan yang unik (huruf kecil, angka dan tanda hubung)"),
])
def test_cli_usage_errors_are_one_line(tmp_path: Path, content: str | None, code: str,
                                       expected: str) -> None:
    path = tmp_path / "plan.json"
    if content == "BAD_NAME":
        plan = class_plan()
        plan["pairs"][1]["name"] = "../citra"
        content = json.dumps(plan)
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = _handout(str(path), "--language", code)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == ("error: " + expected.format(plan=path) + " (usage: "
                           "tcplab handout [-h] [--out OUT] [--language {en,id}] PLAN_JSON)\n")


def test_a_plan_without_what_the_handout_shows_is_refused(tmp_path: Path) -> None:
    plan = class_plan()
    del plan["pairs"][0]["messages"]["upcall"]
    with pytest.raises(PlanFileError) as refused:
        write_handout(plan, tmp_path)
    assert str(refused.value).startswith("plan: pairs[1].messages is {'reqresp': [")
    assert str(refused.value).endswith("; a plan has a list of strings for every scenario there")
    assert not list(tmp_path.iterdir())


# --- in a real browser -------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDF_TOOLS = shutil.which("pdftotext") and shutil.which("pdfinfo")


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                           f"--user-data-dir={tmp / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_chromium_shows_every_pair_with_its_commands(plan: dict, tmp_path: Path,
                                                     handout: tuple[str, list[Path]]) -> None:
    _, written = handout
    done = _chromium(tmp_path, "--dump-dom", written[-1].as_uri())
    assert done.returncode == 0, done.stderr[-500:]
    shown = read_html(done.stdout)
    assert [sheet["title"].rsplit(" ", 1)[-1] for sheet in shown] == \
        [pair["name"] for pair in plan["pairs"]]
    for pair, sheet in zip(plan["pairs"], shown):
        assert sheet["scenarios"][1]["commands"] == expected_commands(plan, pair, "upcall")


@pytest.mark.skipif(CHROMIUM is None or not PDF_TOOLS,
                    reason="chromium or poppler-utils is not installed")
def test_printed_every_pair_has_its_own_page(plan: dict, tmp_path: Path,
                                             handout: tuple[str, list[Path]]) -> None:
    code, written = handout
    pdf = tmp_path / "handout.pdf"
    done = _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                     written[-1].as_uri())
    assert done.returncode == 0 and pdf.is_file(), done.stderr[-500:]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=60)
    pages = int(re.search(r"^Pages:\s+(\d+)$", info.stdout, re.MULTILINE).group(1))
    assert pages == len(plan["pairs"])
    title = {"en": "TCP lab: pair {}", "id": "Lab TCP: pasangan {}"}[code]
    hand_in = {"en": "Hand in", "id": "Pengumpulan"}[code]
    for number, pair in enumerate(plan["pairs"], start=1):
        text = subprocess.run(["pdftotext", "-layout", "-f", str(number), "-l", str(number),
                               str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == title.format(pair["name"])  # the contents list is not printed
        assert hand_in in lines  # the whole sheet, to its end, on this one page
        assert re.search(rf"{pair['name']}-upcall\.pcap \( ?upcall ?\)", " ".join(lines))


def test_by_default_the_handout_speaks_the_plans_language(tmp_path: Path) -> None:
    plan = class_plan(captures=str(tmp_path / "captures"), lab_report_language="id",
                      report_languages=["en", "id"])
    ani, = read_markdown(write_handout(plan, tmp_path / "a")[0].read_text(encoding="utf-8"))
    assert ani["title"] == "Lab TCP: pasangan ani-budi"
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    done = _handout(str(tmp_path / "plan.json"), "--out", str(tmp_path / "b"))
    assert done.stdout == f"Lembar kerja untuk 4 pasangan: {tmp_path / 'b' / 'index.html'}\n"
    done = _handout(str(tmp_path / "plan.json"), "--out", str(tmp_path / "c"), "--language", "en")
    assert done.stdout == f"Hand-out for 4 pair(s): {tmp_path / 'c' / 'index.html'}\n"


@pytest.mark.parametrize("language, look_for", [
    ("en", ["the client's data segment 2", "[TCP Retransmission]",
            "tcp.analysis.retransmission", "200 ms or more", "retransmission timeout (RTO)",
            "only then the server's ACK", "only if your teacher has put the drop in place"]),
    ("id", ["segmen data ke-2 dari client", "[TCP Retransmission]",
            "tcp.analysis.retransmission", "200 ms atau lebih", "timer retransmisi TCP (RTO)",
            "baru setelah itu ACK dan balasan dari server",
            "hanya jika pengajar sudah memasang aturan tersebut"]),
])
def test_a_loss_scenario_says_what_to_look_for_and_whose_drop_it_is(
        tmp_path: Path, language: str, look_for: list[str]) -> None:
    scenarios = {**SCENARIOS, "reqresp-loss": {**REQRESP_PROGRAMS, "port": 2223, "loss": {
        "direction": "to_server", "segments": [2]}}}
    plan = class_plan(lab_scenarios=scenarios, lab_run_scenarios=["reqresp", "reqresp-loss"],
                      lab_roster=ROSTER[:1])
    paths = write_handout(plan, tmp_path, language)
    markdown = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
    html = next(p for p in paths if p.suffix == ".html").read_text(encoding="utf-8")
    ani, = read_markdown(markdown)
    plain, lossy = ani["scenarios"]
    said = " ".join(lossy["steps"])
    assert all(words in said for words in look_for), said
    assert "[TCP Retransmission]" not in " ".join(plain["steps"])
    assert read_html(html)[0]["scenarios"][1]["steps"] == lossy["steps"]
    assert "ani-budi-reqresp-loss.pcap (reqresp-loss)" in ani["lines"]

"""A class's hand-ins as a course platform delivers them, with everything odd a class hands in.

`class_zip` writes a Moodle "download all submissions" zip (a folder per student,
``<Full name>_<participant>_assignsubmission_file/``) of honest captures - pcapng with minutes
of a laptop's other traffic (`tcplab.craft.noise`), a gzipped pcap, both scenarios in one file, a
first attempt that failed - mixed with the hostile and messy: a name that is not UTF-8, a name
with a newline and ANSI escapes, spreadsheet formulas as names, junk named .pcap, a PDF, a
capture of another port, a zip member that climbs out (``../``) or is absolute, a link, an
encrypted member, a zip in the zip and one more zip in that, a member that unpacks to more than a
capture may be, a capture cut short. `CASES` says what the grader must make of each.

The zip's bytes are patched where Python's zipfile cannot write what other tools do: a name in
a Windows code page without the UTF-8 flag, and the "encrypted" flag.
"""

from __future__ import annotations

import gzip
import io
import struct
import tempfile
import zipfile
from pathlib import Path

from tcplab import craft
from tcplab.craft import C, S, Flow
from tcplab.analysis.capture import MAX_CAPTURE_BYTES

MOODLE = "_assignsubmission_file"
EVIL_NAME = "evil\n ani-budi reqresp complete\x1b[2J\u202e.pcap"
FORMULA_NAME = "=HYPERLINK(\"x.invalid\";\"klik\").pcap"
CAFE_PLACEHOLDER = "cafX.pcap"


def lab_frames(plan: dict, pair: str, scenario: str, start: float, client_port: int,
               messages: list[str] | None = None) -> list[craft.Frame]:
    """The frames of a pair's whole exchange of a scenario, as the lab programs make it."""
    spec = plan["scenarios"][scenario]
    said = messages if messages is not None else next(
        p for p in plan["pairs"] if p["name"] == pair)["messages"][scenario]
    return craft.lab_flow(said, spec["reply_format"], client=("192.168.1.23", client_port),
                          server=("192.168.1.50", spec["port"]), start=start).frames


def pcapng(frames: list[craft.Frame]) -> bytes:
    return _written(craft.write_pcapng, frames, "x.pcapng")


def pcap(frames: list[craft.Frame]) -> bytes:
    return _written(craft.write_pcap, frames, "x.pcap")


def _written(writer, frames: list[craft.Frame], name: str) -> bytes:
    with tempfile.TemporaryDirectory() as scratch:
        return writer(Path(scratch) / name, sorted(frames, key=lambda f: f.time)).read_bytes()


def refused_syn(plan: dict, scenario: str, start: float, client_port: int) -> list[craft.Frame]:
    """A first attempt before the server listened: SYN, then the kernel's RST."""
    flow = Flow(client=("192.168.1.23", client_port),
                server=("192.168.1.50", plan["scenarios"][scenario]["port"]), start=start)
    flow.packet(C, "S", options=craft.syn_options(1460, 7))
    flow.packet(S, "RA", ack=flow.next_seq[C])
    return flow.frames


def class_zip(plan: dict, path: Path) -> dict[str, str]:
    """Write the class's download to `path`; return the zip's member names by role."""
    folder = {name: f"{name}_{number}{MOODLE}/" for name, number in (
        ("Ani Lestari", 100001), ("Citra Ayu", 100003), ("Eka Putra", 100005),
        ("Gita Hadi", 100007), ("Iwan Jaya", 100009), ("Joko Kurnia", 100011))}
    ani, citra, eka, gita, iwan, joko = folder.values()
    noisy = craft.noise(2500, 1763745770.0, seed=1)
    members: dict[str, bytes] = {}
    names: dict[str, str] = {}

    def add(role: str, name: str, data: bytes) -> None:
        names[role] = name
        members[name] = data

    add("ani reqresp", ani + "tcp.pcapng",
        pcapng(noisy + lab_frames(plan, "ani-budi", "reqresp", 1763745775.0, 42476)))
    add("ani upcall", ani + "upcall.pcap.gz",
        gzip.compress(pcap(lab_frames(plan, "ani-budi", "upcall", 1763745790.0, 42480))))
    add("ani pdf", ani + "laporan.pdf", b"%PDF-1.7\n" + b"x" * 200)
    both = (craft.noise(600, 1763745800.0, seed=2)
            + refused_syn(plan, "reqresp", 1763745801.0, 50100)
            + lab_frames(plan, "citra-dewi", "reqresp", 1763745802.0, 50101,
                         messages=["salah ketik"])
            + lab_frames(plan, "citra-dewi", "reqresp", 1763745804.0, 50102)
            + lab_frames(plan, "citra-dewi", "upcall", 1763745806.0, 50103))
    add("citra both", citra + "kedua skenario.pcapng", pcapng(both))
    add("citra thumbs", citra + "Thumbs.db", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    add("eka cafe", eka + CAFE_PLACEHOLDER,
        pcap(lab_frames(plan, "eka-fajar", "reqresp", 1763745810.0, 50200)))
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as nested:
        nested.writestr("gita-hadi-tcp.pcap",
                        pcap(lab_frames(plan, "gita-hadi", "reqresp", 1763745820.0, 50300)))
        deeper = io.BytesIO()
        with zipfile.ZipFile(deeper, "w") as innermost:
            innermost.writestr("deep.pcap", b"never opened")
        nested.writestr("lagi.zip", deeper.getvalue())
    add("gita zip", gita + "captures.zip", inner.getvalue())
    cut = pcap(lab_frames(plan, "gita-hadi", "upcall", 1763745830.0, 50301))
    add("gita cut", gita + "gita-hadi-upcall.pcap", cut[:-30])
    add("iwan evil", iwan + EVIL_NAME,
        pcap(lab_frames(plan, "gita-hadi", "reqresp", 1763745840.0, 50400,
                        messages=["bukan punya siapa-siapa"])))
    add("iwan formula", iwan + "=cmd.pcap", b"=cmd|' /C calc'!A0\n")
    add("formula", FORMULA_NAME,
        pcap(lab_frames(plan, "gita-hadi", "upcall", 1763745845.0, 50450,
                        messages=["siapa ini"])))
    web = Flow(client=("192.168.1.23", 50500), server=("93.184.216.34", 80),
               start=1763745850.0)
    web.handshake()
    web.send(C, b"GET / HTTP/1.1\r\n\r\n")
    web.send(S, b"HTTP/1.1 200 OK\r\n\r\n")
    web.close()
    add("joko web", joko + "joko-tcp-salah.pcap", pcap(web.frames))
    add("joko junk", joko + "junk.pcap", bytes(range(256)) * 4)
    add("slip", "../../escape.pcap", b"climbs out")
    add("absolute", "/etc/cron.d/tcplab.pcap", b"absolute")
    add("encrypted", joko + "rahasia.pcap", b"secret")
    add("bomb", joko + "besar.pcap", b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            if name == names["bomb"]:
                continue
            archive.writestr(zipfile.ZipInfo(name, (2026, 11, 20, 10, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
        link = zipfile.ZipInfo(joko + "tautan.pcap")
        link.external_attr = (0o120777 << 16)
        archive.writestr(link, "/etc/passwd")
        names["link"] = link.filename
        with archive.open(zipfile.ZipInfo(names["bomb"]), "w", force_zip64=True) as big:
            block = bytes(1 << 20)
            for _ in range(MAX_CAPTURE_BYTES // len(block) + 1):
                big.write(block)
    data = path.read_bytes()
    cafe = (eka + CAFE_PLACEHOLDER).encode()
    names["eka cafe"] = eka + "caf\udce9.pcap"
    data = data.replace(cafe, (eka + "caf").encode() + b"\xe9.pcap")
    data = _mark_encrypted(data, names["encrypted"].encode())
    path.write_bytes(data)
    return names


def _mark_encrypted(data: bytes, name: bytes) -> bytes:
    """Set the "encrypted" flag of member `name` in its local header and central directory."""
    out = bytearray(data)
    for signature, flag_at, name_length_at, name_at in ((b"PK\x03\x04", 6, 26, 30),
                                                         (b"PK\x01\x02", 8, 28, 46)):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            length = struct.unpack_from("<H", out, start + name_length_at)[0]
            if out[start + name_at:start + name_at + length] == name:
                out[start + flag_at] |= 1
            start += 4
    return bytes(out)

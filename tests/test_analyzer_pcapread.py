"""Reading capture files: formats, link types, numbering, bad and cut-short files."""

from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import dpkt
import pytest
from analyzer_cases import reqresp_flow

from tcplab import craft
from tcplab.craft import C, Flow
from tcplab.analysis.capture import MAX_CAPTURE_BYTES, read_capture
from tcplab.analysis.packet import CaptureError


def _summary(path: Path) -> list[tuple]:
    return [(p.number, p.src, p.sport, p.dst, p.dport, p.seq, p.ack, p.flag_names, p.length,
             p.payload) for p in read_capture(path).packets]


@pytest.mark.parametrize("link", sorted(craft.LINKS))
def test_every_link_type_reads_the_same_packets(tmp_path: Path, link: str) -> None:
    flow = reqresp_flow(["hello"])
    reference = _summary(craft.write_pcap(tmp_path / "eth.pcap", flow.frames, "ethernet"))
    path = craft.write_pcap(tmp_path / f"{link}.pcap", flow.frames, link)
    assert _summary(path) == reference
    assert len(reference) == 10  # handshake 3, one exchange 4, close 3
    expected_name = {"ethernet": "EN10MB", "null": "NULL", "loop": "LOOP", "sll": "LINUX_SLL",
                     "sll2": "LINUX_SLL2", "raw": "RAW"}[link]
    assert read_capture(path).link_types == [expected_name]


def test_pcapng_and_nanosecond_pcap_read_like_pcap(tmp_path: Path) -> None:
    flow = reqresp_flow(["hello", "again"])
    plain = read_capture(craft.write_pcap(tmp_path / "a.pcap", flow.frames))
    nano = read_capture(craft.write_pcap(tmp_path / "b.pcap", flow.frames, nano=True))
    ng = read_capture(craft.write_pcapng(tmp_path / "c.pcapng", flow.frames, "sll2"))
    assert ng.file_format == "pcapng" and plain.file_format == "pcap"
    for other in (nano, ng):
        assert [(p.number, p.seq, p.ack, p.flags, p.payload) for p in other.packets] == \
               [(p.number, p.seq, p.ack, p.flags, p.payload) for p in plain.packets]
        for a, b in zip(other.packets, plain.packets):
            assert a.time == pytest.approx(b.time, abs=2e-6)
    assert plain.first_time == pytest.approx(flow.frames[0].time, abs=1e-6)


def test_tcp_options_of_the_syn_are_read(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake(mss=1400, wscale=9)
    packet = read_capture(craft.write_pcap(tmp_path / "s.pcap", flow.frames)).packets[0]
    assert (packet.mss, packet.wscale, packet.sack_permitted) == (1400, 9, True)
    assert packet.flag_names == "SYN"


def test_non_tcp_frames_keep_wireshark_numbering(tmp_path: Path) -> None:
    flow = reqresp_flow(["hi"])
    arp = bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\xff" * 6,
                                       type=dpkt.ethernet.ETH_TYPE_ARP, data=dpkt.arp.ARP()))
    path = tmp_path / "mixed.pcap"
    with path.open("wb") as out:
        writer = dpkt.pcap.Writer(out, linktype=1)
        _, wrap = craft.LINKS["ethernet"]
        for index, frame in enumerate(flow.frames):
            writer.writepkt(wrap(frame), ts=frame.time)
            if index == 0:
                writer.writepkt(arp, ts=frame.time + 0.00001)
    capture = read_capture(path)
    assert capture.frames == len(flow.frames) + 1
    assert [p.number for p in capture.packets][:3] == [1, 3, 4]
    assert capture.not_tcp == [("ethertype 0x0806, not IP", 1, 2)]


def test_ipv6_conversation(tmp_path: Path) -> None:
    flow = Flow(client=("fd00::3", 50000), server=("fd00::2", 2222))
    flow.handshake()
    flow.send(C, b"hello\n")
    flow.close()
    for name, writer in (("v6.pcap", craft.write_pcap), ("v6.pcapng", craft.write_pcapng)):
        packets = read_capture(writer(tmp_path / name, flow.frames, "null")).packets
        assert [(p.src, p.dport, p.length) for p in packets[:4]] == [
            ("fd00::3", 2222, 0), ("fd00::2", 50000, 0), ("fd00::3", 2222, 0),
            ("fd00::3", 2222, 6)]
        assert packets[3].payload == b"hello\n"


def test_not_a_capture_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.pcap"
    path.write_text("these are my lab notes, not a capture\n")
    with pytest.raises(CaptureError) as error:
        read_capture(path)
    assert "not a pcap or pcapng capture" in str(error.value)
    assert "\n" not in str(error.value)


def test_zero_byte_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.pcap"
    path.write_bytes(b"")
    with pytest.raises(CaptureError, match="empty file"):
        read_capture(path)


def test_header_only_capture_has_no_frames(tmp_path: Path) -> None:
    path = craft.write_pcap(tmp_path / "none.pcap", [])
    capture = read_capture(path)
    assert (capture.frames, capture.packets, capture.truncated) == (0, [], None)
    ng = read_capture(craft.write_pcapng(tmp_path / "none.pcapng", []))
    assert (ng.frames, ng.truncated) == (0, None)


def test_truncated_pcap_keeps_the_whole_records(tmp_path: Path) -> None:
    flow = reqresp_flow(["hello"])
    path = craft.write_pcap(tmp_path / "t.pcap", flow.frames)
    data = path.read_bytes()
    # cut inside the 5th record: header (24) + 4 records + 16-byte record header + 10 bytes
    offset = 24
    for _ in range(4):
        offset += 16 + struct.unpack("<I", data[offset + 8:offset + 12])[0]
    path.write_bytes(data[:offset + 16 + 10])
    capture = read_capture(path)
    assert capture.frames == 4
    assert capture.truncated is not None and "packet record 5" in capture.truncated
    assert "4 whole packets read" in capture.truncated


def test_truncated_pcapng_keeps_the_whole_blocks(tmp_path: Path) -> None:
    flow = reqresp_flow(["hello"])
    path = craft.write_pcapng(tmp_path / "t.pcapng", flow.frames)
    data = path.read_bytes()
    path.write_bytes(data[:-30])
    capture = read_capture(path)
    assert capture.frames == len(flow.frames) - 1
    assert capture.truncated is not None and "pcapng block" in capture.truncated


def test_pcapng_with_two_interfaces_of_different_link_types(tmp_path: Path) -> None:
    flow = reqresp_flow(["hello"])
    path = tmp_path / "two.pcapng"
    with path.open("wb") as out:
        idbs = [dpkt.pcapng.InterfaceDescriptionBlockLE(linktype=1, snaplen=65535),
                dpkt.pcapng.InterfaceDescriptionBlockLE(linktype=101, snaplen=65535)]
        writer = dpkt.pcapng.Writer(out, idb=idbs)
        for index, frame in enumerate(flow.frames):
            interface = index % 2
            wrap = craft.LINKS["ethernet" if interface == 0 else "raw"][1]
            writer.writepkt(dpkt.pcapng.EnhancedPacketBlockLE(iface_id=interface,
                                                              pkt_data=wrap(frame)), ts=frame.time)
    capture = read_capture(path)
    assert capture.link_types == ["EN10MB", "RAW"]
    assert len(capture.packets) == len(flow.frames)
    assert capture.packets[3].payload == b"hello\n"


def test_payload_cut_by_snaplen_keeps_the_ip_length(tmp_path: Path) -> None:
    flow = Flow()
    flow.handshake()
    flow.send(C, b"hello world\n")
    wrap = craft.LINKS["ethernet"][1]
    frames = [wrap(f) for f in flow.frames]
    path = tmp_path / "snap.pcap"
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 60, 1))
        for frame, original in zip(frames, flow.frames):
            cut = frame[:60]
            seconds = int(original.time)
            micros = int(round((original.time - seconds) * 1e6))
            out.write(struct.pack("<IIII", seconds, micros, len(cut), len(frame)) + cut)
    packet = read_capture(path).packets[3]
    assert packet.length == 12
    assert packet.payload == b"hello world\n"[:60 - 54]


# --- what laptops, VPNs and damaged files put in a capture ---------------------------------------

def _ethernet_pcap(path: Path, frames: list[bytes]) -> Path:
    """A pcap of raw Ethernet frames, one millisecond apart."""
    with path.open("wb") as out:
        writer = dpkt.pcap.Writer(out, linktype=1)
        for index, frame in enumerate(frames):
            writer.writepkt(frame, ts=1763745781.0 + index / 1000)
    return path


def _frames(flow: Flow) -> list[bytes]:
    return [craft.LINKS["ethernet"][1](frame) for frame in flow.frames]


def _tcp_ipv6(extensions: list[tuple[int, bytes]]) -> bytes:
    """One IPv6 packet with a TCP segment behind `extensions`."""
    flow = Flow(client=("fd00::3", 40000), server=("fd00::2", 2222))
    flow.send(C, b"hello\n")
    segment = flow.frames[0].ip[40:]
    return craft.ip_header("fd00::3", "fd00::2", 6, segment, extensions=extensions)


def _eth6(ip: bytes) -> bytes:
    return craft.SERVER_MAC + craft.CLIENT_MAC + struct.pack(">H", 0x86DD) + ip


def test_ipsec_esp_and_ipv6_extension_chains_never_stop_the_reading(tmp_path: Path) -> None:
    """A laptop with a VPN: ESP frames are named and counted; TCP behind hop-by-hop options, a
    routing header and an atomic fragment header is read; a real fragment is named."""
    flow = reqresp_flow(["hi"])
    esp = _eth6(craft.ip_header("fd00::9", "fd00::1", 50, b"\x00\x00\x10\x01" + b"E" * 64))
    esp4 = craft.SERVER_MAC + craft.CLIENT_MAC + b"\x08\x00" + craft.ip_header(
        "10.0.0.9", "10.0.0.1", 50, b"\x00" * 40)
    chain = _eth6(_tcp_ipv6([(0, b"\x01\x00"), (43, b"\x00" * 6), (44, b"\x00" * 6)]))
    fragment = _eth6(_tcp_ipv6([(44, b"\x00\x01\x00\x00\x00\x01"), (0, b"\x01\x00")]))
    path = _ethernet_pcap(tmp_path / "vpn.pcap", [esp, esp4, *_frames(flow), chain, fragment])
    capture = read_capture(path)
    assert capture.frames == len(flow.frames) + 4
    assert [p.number for p in capture.packets][-1] == capture.frames - 1  # the chain's TCP
    behind = capture.packets[-1]
    assert (behind.src, behind.dport, behind.payload) == ("fd00::3", 2222, b"hello\n")
    assert sorted((str(why), count) for why, count, _ in capture.not_tcp) == [
        ("IP protocol 50 (ESP), not TCP", 1), ("IPv6 fragment", 1),
        ("IPv6 next header 50 (ESP), not TCP", 1)]


def test_vlan_stacks_and_pppoe_are_unwrapped(tmp_path: Path) -> None:
    flow = reqresp_flow(["hi"])
    tagged = []
    for index, frame in enumerate(_frames(flow)):
        if index % 3 == 0:  # 802.1ad outer tag, then 802.1Q
            frame = frame[:12] + b"\x88\xa8\x00\x0a\x81\x00\x00\x14" + frame[12:]
        elif index % 3 == 1:  # PPPoE session: ver/type, code, session, length, then PPP
            ip = frame[14:]
            frame = (frame[:12] + b"\x88\x64\x11\x00\x00\x01" + struct.pack(">H", len(ip) + 2)
                     + b"\x00\x21" + ip)
        tagged.append(frame)
    path = _ethernet_pcap(tmp_path / "tags.pcap", tagged)
    assert [p.payload for p in read_capture(path).packets] == \
        [p.payload for p in read_capture(craft.write_pcap(tmp_path / "plain.pcap",
                                                          flow.frames)).packets]


@pytest.mark.parametrize("damage, why", [
    (lambda ip: ip[:10], "IP header cut short"),
    (lambda ip: bytes([0x43]) + ip[1:], "malformed IP header"),  # IHL 3: below 20 bytes
    (lambda ip: ip[:2] + b"\x00\x0a" + ip[4:], "malformed IP header"),  # total length < header
    (lambda ip: ip[:20 + 12] + bytes([0x30]) + ip[33:], "malformed TCP header (data offset "
                                                        "below 5)"),
    (lambda ip: ip[:6] + b"\x20\x00" + ip[8:], "IP fragment"),  # more fragments
    (lambda ip: ip[:24], "TCP header cut short"),
])
def test_a_damaged_header_costs_that_frame_only(tmp_path: Path, damage, why: str) -> None:
    flow = reqresp_flow(["hi"])
    frames = _frames(flow)
    frames[4] = frames[4][:14] + damage(frames[4][14:])
    capture = read_capture(_ethernet_pcap(tmp_path / "bad.pcap", frames))
    assert len(capture.packets) == len(frames) - 1 and 5 not in [p.number for p in capture.packets]
    assert [(str(w), count, first) for w, count, first in capture.not_tcp] == [(why, 1, 5)]


def test_gzipped_captures_are_read_as_the_capture_inside(tmp_path: Path) -> None:
    plain = craft.write_pcapng(tmp_path / "x.pcapng", reqresp_flow(["hi"]).frames)
    zipped = tmp_path / "x.pcapng.gz"
    zipped.write_bytes(gzip.compress(plain.read_bytes()))
    capture = read_capture(zipped)
    assert capture.file_format == "pcapng.gz"
    assert _summary(zipped) == _summary(plain) and capture.truncated is None
    cut = tmp_path / "cut.pcapng.gz"
    cut.write_bytes(zipped.read_bytes()[:-40])
    assert read_capture(cut).truncated is not None  # what could be read is read, and said


def test_a_gzip_bomb_is_refused_by_what_it_holds(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.pcap.gz"
    with gzip.open(bomb, "wb", compresslevel=1) as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        block = bytes(1 << 20)
        for _ in range(MAX_CAPTURE_BYTES // len(block) + 1):
            out.write(block)
    assert bomb.stat().st_size < 2 << 20
    with pytest.raises(CaptureError) as refused:
        read_capture(bomb)
    assert str(refused.value) == f"the gzip file holds more than the {MAX_CAPTURE_BYTES} bytes a " \
                                 "capture may have"


def test_links_and_pipes_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.pcap"
    craft.write_pcap(secret, reqresp_flow(["hi"]).frames)
    (tmp_path / "link.pcap").symlink_to(secret)
    os.mkfifo(tmp_path / "pipe.pcap")
    with pytest.raises(CaptureError, match="a symbolic link: not followed"):
        read_capture(tmp_path / "link.pcap")
    with pytest.raises(CaptureError, match="not a regular file"):
        read_capture(tmp_path / "pipe.pcap")  # opening it would wait for a writer forever


def test_a_file_that_is_not_a_capture_is_named_by_what_it_looks_like(tmp_path: Path) -> None:
    for data, kind in ((b"%PDF-1.7", "PDF"), (b"PK\x03\x04rest", "ZIP / Office"),
                       (b"just some text", "ASCII")):
        (tmp_path / "x.pcap").write_bytes(data)
        with pytest.raises(CaptureError) as refused:
            read_capture(tmp_path / "x.pcap")
        assert str(refused.value).endswith(f": {kind})")

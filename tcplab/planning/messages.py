"""The scenarios a run takes and the messages of each pair: validated, given by the pair, the
class, the scenario, or generated from the teacher's seed (lab_messages_seed)."""

import hashlib
import hmac
import json
import os

from ..formats.plan import HANDIN_NAME, capture_name
from .checks import PlanError, as_int, as_list, short_text


# The longest message the lab programs take (UTF-8 bytes); a longer one is refused up front.
MAX_MESSAGE_BYTES = 65536


# Generated messages (lab_messages_seed): lab_messages_count per scenario, 3 unless set.
DEFAULT_MESSAGES_COUNT, MAX_MESSAGES_COUNT = 3, 20


# A generated message is "<noun> <adjective> <number>", e.g. "kucing merah 4821": short Indonesian
# words a student types without a second look. 128 x 64 x 9000 = 73,728,000 messages; the plan
# also keeps every generated message distinct (see seeded_messages).
NOUNS = (
    "kucing", "anjing", "burung", "ikan", "kuda", "sapi", "kambing", "ayam", "bebek", "gajah",
    "harimau", "singa", "monyet", "kelinci", "katak", "rusa", "kerbau", "semut", "lebah", "kupu",
    "capung", "cicak", "beruang", "paus", "udang", "kepiting", "penyu", "apel", "jeruk", "mangga",
    "pisang", "nanas", "anggur", "semangka", "melon", "pepaya", "durian", "rambutan", "salak",
    "jambu", "manggis", "nangka", "kelapa", "alpukat", "belimbing", "sirsak", "duku", "nasi",
    "roti", "kopi", "teh", "susu", "gula", "garam", "sambal", "bakso", "sate", "soto", "tempe",
    "tahu", "mie", "kue", "keju", "madu", "buku", "pena", "pensil", "meja", "kursi", "pintu",
    "jendela", "lampu", "jam", "tas", "sepatu", "topi", "baju", "payung", "kunci", "gelas",
    "piring", "sendok", "botol", "kotak", "bola", "layangan", "sepeda", "mobil", "kapal",
    "kereta", "perahu", "pesawat", "gunung", "sungai", "danau", "laut", "pantai", "hutan", "pohon",
    "bunga", "daun", "batu", "pasir", "awan", "hujan", "angin", "bulan", "bintang", "matahari",
    "pelangi", "rumah", "pasar", "sekolah", "kantor", "taman", "jalan", "jembatan", "menara",
    "desa", "kota", "pulau", "gitar", "seruling", "radio", "kamera", "peta", "kompas", "surat",
)


ADJECTIVES = (
    "merah", "biru", "hijau", "kuning", "putih", "hitam", "ungu", "jingga", "coklat", "abu",
    "emas", "perak", "besar", "kecil", "tinggi", "pendek", "panjang", "lebar", "sempit", "tebal",
    "tipis", "berat", "ringan", "cepat", "lambat", "baru", "lama", "muda", "tua", "manis", "asam",
    "asin", "pedas", "pahit", "panas", "dingin", "hangat", "sejuk", "basah", "kering", "bersih",
    "terang", "gelap", "ramai", "sepi", "senang", "riang", "tenang", "berani", "pintar", "rajin",
    "ramah", "lucu", "cantik", "indah", "bagus", "kuat", "lembut", "halus", "kasar", "bulat",
    "segar", "harum", "wangi",
)


# A scenario's loss: the receiver drops these data segments of one direction, each once.
LOSS_DIRECTIONS = ("to_server", "to_client")


MAX_LOSS_SEGMENT = 20


def planned_scenarios(settings):
    defined = settings.get("lab_scenarios")
    if not isinstance(defined, dict) or not defined:
        raise PlanError(f"lab_scenarios {defined!r}: define the scenarios as a mapping "
                        "(see inventory/common/group_vars/all/scenarios.yml).")
    run = as_list("lab_run_scenarios", settings.get("lab_run_scenarios"),
                  f"each must be one of {list(defined)}.")
    if not run or any(not isinstance(name, str) or name not in defined for name in run) or len(set(run)) < len(run):
        raise PlanError(f"lab_run_scenarios {run}: each must be one of {list(defined)}, each once.")
    programs = settings.get("lab_programs_dir")
    scenarios = {}
    for name in run:
        spec = defined[name]
        fix = ("needs port (1-65535), server and client (paths under files/), reply_format containing "
               "{message}, and messages (a non-empty list of quoted strings).")
        if not isinstance(spec, dict):
            raise PlanError(f"lab_scenarios.{name}: {fix}")
        port = as_int(f"lab_scenarios.{name}.port", spec.get("port"), 1, 65535, fix)
        reply_format = spec.get("reply_format")
        if not isinstance(reply_format, str) or "{message}" not in reply_format:
            raise PlanError(f"lab_scenarios.{name}.reply_format {reply_format!r}: {fix}")
        for role in ("server", "client"):
            path = spec.get(role)
            if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
                raise PlanError(f"lab_scenarios.{name}.{role} {path!r}: {fix}")
            if programs and not os.path.isfile(os.path.join(programs, path)):
                raise PlanError(f"lab_scenarios.{name}.{role} {path!r}: there is no such program in "
                                f"{programs}; give a path under files/.")
        messages = spec.get("messages")
        _check_message_list(f"lab_scenarios.{name}.messages", messages, fix)
        scenarios[name] = {"name": name, "port": port, "server": spec["server"], "client": spec["client"],
                           "reply_format": reply_format, "messages": list(messages)}
        if spec.get("handin") is not None:
            handin = spec["handin"]
            if not isinstance(handin, str) or not HANDIN_NAME.fullmatch(handin):
                raise PlanError(f"lab_scenarios.{name}.handin {handin!r}: give the name of the capture "
                                "the course hands in, without .pcap: lower-case letters, digits and - "
                                "(e.g. tcp for tcp.pcap), at most 30.")
            scenarios[name]["handin"] = handin
        if spec.get("loss") is not None:
            scenarios[name]["loss"] = _loss(name, spec["loss"])
    captures: dict[str, str] = {}  # the name a pair's capture of each scenario gets
    for name, spec in scenarios.items():
        said = capture_name(name, spec)
        if said in captures:
            raise PlanError(f"lab_scenarios.{name}.handin {said!r}: the captures of {captures[said]} are "
                            f"named so already; give {name} a handin of its own.")
        captures[said] = name
    return scenarios


def _loss(name, value):
    """A scenario's impairment (DESIGN.md, "A lost segment"): which data segments of which
    direction the receiver's namespace drops, each once."""
    fix = (f"write loss: {{direction: to_server or to_client, segments: [2]}} (the data segments "
           f"to drop once, counted from 1, at most {MAX_LOSS_SEGMENT}).")
    if not isinstance(value, dict) or set(value) != {"direction", "segments"}:
        raise PlanError(f"lab_scenarios.{name}.loss {value!r}: {fix}")
    direction, segments = value["direction"], value["segments"]
    if direction not in LOSS_DIRECTIONS:
        raise PlanError(f"lab_scenarios.{name}.loss.direction {direction!r}: {fix}")
    if (not isinstance(segments, list) or not segments
            or any(isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_LOSS_SEGMENT
                   for n in segments) or len(set(segments)) < len(segments)):
        raise PlanError(f"lab_scenarios.{name}.loss.segments {segments!r}: {fix}")
    return {"direction": direction, "segments": sorted(segments)}


def _check_message_list(where, messages, fix):
    if not isinstance(messages, list) or not messages or any(not isinstance(m, str) for m in messages):
        raise PlanError(f"{where} {messages!r}: {fix}")
    for message in messages:
        if "\n" in message or "\r" in message:
            raise PlanError(f"{where}: the message {short_text(message)} has a line break in it; a message "
                            "travels as one line, so write it without \\n or \\r (or as two messages).")
        size = len(message.encode("utf-8", "surrogatepass"))
        if size > MAX_MESSAGE_BYTES:
            raise PlanError(f"{where}: the message {short_text(message)} is {size} bytes; "
                            f"a message may be at most {MAX_MESSAGE_BYTES} bytes (UTF-8).")


def checked_messages(where, value, scenarios, defined):
    """Messages per scenario (lab_messages, or a roster entry's), checked for the scenarios that run."""
    fix = (f"must map scenarios in {defined} to non-empty lists of quoted strings "
           '(write "1", not 1).')
    if not isinstance(value, dict) or any(name not in defined for name in value):
        raise PlanError(f"Messages of {where}: {value!r} {fix}")
    for name, messages in value.items():
        if name not in scenarios:
            continue  # a scenario that does not run this time
        if not isinstance(messages, list) or not messages or any(not isinstance(m, str) for m in messages):
            raise PlanError(f"Messages of {where}: {value!r} {fix}")
        _check_message_list(f"Messages of {where}", messages, fix)
    return value


def messages_seed(value):
    """The teacher's seed for generated messages; empty (or unset) generates none.

    A pair's messages per scenario come from, in this order: its roster entry, the seed, lab_messages,
    the scenario's defaults. The plan says which (pair["messages_source"][scenario]: "pair", "seed",
    "class" or "scenario") and whether a seed was set (plan["messages_seeded"]), never the seed.
    """
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        # Named by its type, never shown: the seed is the teacher's secret.
        raise PlanError(f"lab_messages_seed ({type(value).__name__} value, not shown): write the seed as a "
                        'quoted string (e.g. "kelas-a 2026"), or "" for no generated messages.')
    return value


def seeded_message(seed: str, pair: str, scenario: str, index: int, attempt: int = 0) -> str:
    """Message `index` (1-based) of `pair` in `scenario`, from the teacher's seed.

    HMAC-SHA256 keyed with the seed (UTF-8) over the JSON text of [pair, scenario, index] (compact,
    UTF-8; [pair, scenario, index, attempt] for a second try): bytes 0-3 of the digest pick the noun,
    4-7 the adjective, 8-11 the number 1000-9999 (each a big-endian integer modulo the choices).
    The same seed and names give the same message on every run and machine.
    """
    key = [pair, scenario, index] + ([attempt] if attempt else [])
    data = json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    digest = hmac.new(seed.encode("utf-8"), data, hashlib.sha256).digest()

    def pick(start, choices):
        return int.from_bytes(digest[start:start + 4], "big") % choices

    number = 1000 + pick(8, 9000)
    return f"{NOUNS[pick(0, len(NOUNS))]} {ADJECTIVES[pick(4, len(ADJECTIVES))]} {number}"


def seeded_messages(seed, pair, scenario, count, generated):
    """`count` generated messages of a pair's scenario, each one no other pair or scenario has.

    A message already given (to a pair earlier in the roster, or earlier in this list) is derived
    again with the next attempt number. That is rare (a class of 250 pairs with 2 scenarios of 3
    messages meets it about once in 65 classes) and keeps the plan a function of the seed and
    the roster: a pair's messages never depend on the pairs after it.
    """
    messages = []
    for index in range(1, count + 1):
        attempt = 0
        message = seeded_message(seed, pair, scenario, index)
        while message in generated:
            attempt += 1
            message = seeded_message(seed, pair, scenario, index, attempt)
        generated.add(message)
        messages.append(message)
    return messages


def check_report_language(settings):
    """The report's language: one the analyzer has a file for (tcplab/lang/<code>.py)."""
    code, known = settings.get("lab_report_language") or "en", settings.get("report_languages") or ["en"]
    if code not in known:
        raise PlanError(f"lab_report_language {code!r}: the report speaks {known} "
                        "(a language is one file in tcplab/lang/).")
    return code

"""Whose a handed-in capture is, and of which scenario, from what tells it.

The pair of the student the course platform names (the roster's ``students``: `roster_pair`),
the pair a file or folder name starts with (`pair_from_name`, `pair_from_folders`), the pairs
whose own messages a capture carries (`MessageOwners`, `carried`), the scenario a file name says
(`scenario_from_name`) and the scenarios' ports (`scenario_ports`, the plan's own).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..formats.plan import capture_name
from .intake import HandIn, same_person


@dataclass(frozen=True)
class MessageOwners:
    """Which pairs (and scenarios) of the plan were given each message."""

    owners: dict[str, set[tuple[str, str]]]

    @classmethod
    def of(cls, plan: dict) -> MessageOwners:
        owners: dict[str, set[tuple[str, str]]] = {}
        for pair in plan["pairs"]:
            for scenario, messages in pair["messages"].items():
                for message in messages:
                    owners.setdefault(message, set()).add((pair["name"], scenario))
        return cls(owners)

    def pair_of(self, message: str) -> str | None:
        """The one pair given `message`, None when no pair or several pairs were."""
        pairs = {pair for pair, _ in self.owners.get(message, ())}
        return pairs.pop() if len(pairs) == 1 else None

    def known(self, message: str) -> bool:
        return message in self.owners


def pair_from_name(file_name: str, pairs: list[str]) -> str | None:
    """The pair `file_name` starts with, followed by "-" or "_"; the longest such; any case."""
    name = file_name.lower()
    named = [pair for pair in pairs if name.startswith(pair) and name[len(pair):][:1] in ("-", "_")]
    return max(named, key=len) if named else None


def pair_from_folders(folders: tuple[str, ...], pairs: list[str]) -> str | None:
    """The pair a folder of the file is named for (its own name, or starting as a file name
    does), the nearest folder first."""
    for folder in reversed(folders):
        if folder.lower() in pairs:
            return folder.lower()
        named = pair_from_name(folder, pairs)
        if named:
            return named
    return None


def scenario_from_name(file_name: str, pair: str | None, scenarios: dict[str, dict]) -> str | None:
    """The scenario a file name says after its pair: its capture's name (``handin``: ``tcp``,
    the seeds' tcp.pcap) or its own name, as whole words; `scenarios` are the plan's. A name
    said only inside a longer one does not count (``reqresp`` in ``ani-reqresp-loss.pcap``);
    two scenarios said is none."""
    stem = file_name.lower().split(".", 1)[0]
    rest = stem[len(pair) + 1:] if pair and stem.startswith(pair) else stem
    words = _words(rest)
    mentions = [(name, (i, i + len(tokens))) for name, spec in scenarios.items()
                for tokens in {_words(name), _words(capture_name(name, spec))}
                for i in range(len(words) - len(tokens) + 1) if words[i:i + len(tokens)] == tokens]
    said = {name for name, (start, end) in mentions if not any(
        other != name and outer[0] <= start and end <= outer[1] and outer != (start, end)
        for other, outer in mentions)}
    return said.pop() if len(said) == 1 else None


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.split(r"[-_. ]+", text.lower()))


def scenario_ports(plan: dict) -> dict[int, str]:
    """Server port -> scenario: the plan's own ports (a scenario is data, the plan says it)."""
    return {spec["port"]: name for name, spec in plan["scenarios"].items()}


def roster_pair(plan: dict, item: HandIn) -> str | None:
    """The pair whose roster lists the student the platform says handed `item` in."""
    if item.submitter is None:
        return None
    for pair in plan["pairs"]:
        for student in pair.get("students") or []:
            if same_person(student["name"], item.submitter) or (
                    student.get("id") and student["id"] == item.submitter.number):
                return pair["name"]
    return None


def carried(sent: list[str], owners: MessageOwners) -> dict[str, int]:
    """Pair -> how many of its own messages (given to it alone) `sent` holds, most first."""
    counts = Counter(owners.pair_of(message) for message in set(sent))
    counts.pop(None, None)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

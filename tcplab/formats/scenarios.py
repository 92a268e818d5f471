"""Scenarios as data: what the analyzer expects of a scenario (`Scenario`: port, reply rule, the
segments the lab drops), and the course's own scenarios (`course_scenarios`).

A run's scenarios come with it (the plan's and the manifest's ``scenarios``). A folder of
captures with neither - students' files reported on their own - is read against the course's
scenarios: the collection's one definition, role ``lab_plan``'s ``defaults/main/scenarios.yml``
(``lab_scenarios``), which this package carries as ``scenarios.yml`` (a link to that file in the
project; its content in an installed package). Adding a scenario there adds it here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

COURSE_FILE = Path(__file__).with_name("scenarios.yml")


@dataclass(frozen=True)
class Loss:
    """A scenario's lesson of a lost segment: the receiver drops these data segments of one
    direction (``to_server`` or ``to_client``), each once, so TCP sends each again."""

    direction: str
    segments: tuple[int, ...]


LOSS_DIRECTIONS = ("to_server", "to_client")


def read_loss(value: object) -> Loss | None:
    """A scenario's ``loss`` from a manifest or plan, or None when it has none (or not as the
    lab writes it: the lab checked it when it planned the run)."""
    if not isinstance(value, dict) or value.get("direction") not in LOSS_DIRECTIONS:
        return None
    segments = value.get("segments")
    if not isinstance(segments, list) or not segments or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in segments):
        return None
    return Loss(value["direction"], tuple(sorted(segments)))


@dataclass(frozen=True)
class Scenario:
    """A scenario as data: its server port, the rule for the expected reply, and the segments
    the lab drops in it (`Loss`), if any."""

    name: str
    port: int | None
    reply_format: str
    messages: tuple[str, ...] = ()
    loss: Loss | None = None

    def reply(self, message: str) -> str:
        """The reply the scenario requires for `message` (``{message}`` substituted)."""
        return self.reply_format.replace("{message}", message)


@lru_cache(maxsize=1)
def course_scenarios() -> dict[str, Scenario]:
    """The course's scenarios by name, as the collection defines them (scenarios.yml)."""
    with COURSE_FILE.open(encoding="utf-8") as stream:
        defined = yaml.safe_load(stream)["lab_scenarios"]
    return {name: Scenario(name, int(spec["port"]), str(spec["reply_format"]),
                           tuple(str(m) for m in spec.get("messages") or ()),
                           read_loss(spec.get("loss")))
            for name, spec in defined.items()}


def scenario_by_port(port: int) -> Scenario | None:
    """The course's scenario on server port `port` (2222 reqresp, 4141 upcall, ...), if any."""
    return _by_port().get(port)


@lru_cache(maxsize=1)
def _by_port() -> dict[int, Scenario]:
    return {spec.port: spec for spec in course_scenarios().values() if spec.port}


def course_ports() -> list[int]:
    """The server ports of the course's scenarios, in their order (2222, 4141, ...)."""
    return list(_by_port())

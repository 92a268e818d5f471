"""The planner: the complete plan of a lab run from the inventory's settings (see `build`).

Layers: `checks` (single settings) <- `messages` (scenarios, messages), `pairs` (roster, networks,
machines, capture points) <- `logins` (students' logins) <- `build` (the plan). The plan's format
is owned by `tcplab.formats.plan`, which reads plan.json back for grading, hand-outs and watch.
"""

from .build import build_plan, check_same_class
from .checks import PlanError, check_run_id
from .messages import ADJECTIVES, MAX_MESSAGE_BYTES, NOUNS, seeded_message

__all__ = ["ADJECTIVES", "MAX_MESSAGE_BYTES", "NOUNS", "PlanError", "build_plan", "check_run_id",
           "check_same_class", "seeded_message"]

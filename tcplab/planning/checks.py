"""The planner's checks of single settings: every bad value one line (PlanError) naming it and
what would be right."""

import re



MAX_PAIRS = 250


LAB_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")




# Folders of the run folder that are not a pair's: the pairs' hand-out, the report's diagrams.
RUN_FOLDERS = ("handout", "ladders")


class PlanError(Exception):
    """A setting that cannot make a plan; the message is the one line the user sees."""


def as_int(name, value, low, high, fix):
    """An integer setting; a string of digits (`-e lab_class_size=30`) counts as its number."""
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PlanError(f"{name} {value!r}: {fix}")
    return value


def as_list(name, value, fix):
    """A list setting; a comma-separated string (`-e lab_run_scenarios=upcall`) counts as its items."""
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    if not isinstance(value, list):
        raise PlanError(f"{name} {value!r}: {fix}")
    return value


def is_controller(host, hosts):
    """The controller is the host Ansible reaches without a connection of its own."""
    return (hosts.get(host) or {}).get("ansible_connection") == "local"


def check_lab_id(value):
    if not isinstance(value, str) or not LAB_ID.match(value):
        raise PlanError(f"lab_id {value!r}: use 1 to 40 lower-case letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit.")
    return value


def check_run_id(value):
    if not isinstance(value, str) or not RUN_ID.match(value):
        raise PlanError(f"lab_run_id {value!r}: use a folder-safe name (letters, digits, '.', '_', '-'), "
                        "or leave it empty for a new run.")
    return value


def short_text(text, limit=40):
    return repr(text[:limit]) + ("..." if len(text) > limit else "")


def as_bool(name, value):
    """A yes/no setting; "true" or "false" (`-e lab_student_access=true`) count as their value."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes")
    if not isinstance(value, bool):
        raise PlanError(f"{name} {value!r}: write true or false.")
    return value

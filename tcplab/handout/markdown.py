"""A pair's hand-out as Markdown (``<pair>.md``): plan values as code spans and blocks, never
read as markup (CommonMark)."""

from __future__ import annotations

import re
import shlex
from typing import Callable

from ..i18n import Language
from .sentences import fill as fill_in
from .sentences import message_text, password_line
from .sheet import Login, Sheet


def md_code(text: str) -> str:
    """`text` as a Markdown code span: shown exactly, never read as markup (CommonMark)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.strip(" ") and (text[0] in "` " or text[-1] in "` ") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_text(text: str) -> str:
    """Prose of a translation, its Markdown punctuation escaped."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def md_block(argv: list[str]) -> list[str]:
    """A command as a fenced code block, the fence longer than any backtick run in it."""
    line = shlex.join(argv)
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}sh", line, fence]



def sheet_markdown(plan: dict, page: Sheet, lang: Language) -> str:
    """One pair's hand-out as Markdown."""
    def fill(key: str, values: dict[str, str]) -> str:
        return fill_in(lang, key, values, md_text, md_code)

    lines = [f"# {fill('handout.title', {'pair': page.pair})}", "",
             fill("handout.intro", {"lab": plan["lab_id"], "run": plan["run_id"]}), "",
             f"## {md_text(lang.t('handout.your_lab'))}", ""]
    lines += [f"- {md_text(lang.t(label))}: {fill(value, values)}"
              for label, value, values in page.facts]
    lines.append("")
    if page.login:
        lines += login_markdown(page.login, lang, fill)
    if page.bridge_note:
        lines += [fill(page.bridge_note.key, page.bridge_note.values), ""]
    for scenario, port, steps in page.scenarios:
        lines += [f"## {fill('handout.scenario', {'scenario': scenario, 'port': str(port)})}",
                  ""]
        for number, step in enumerate(steps, start=1):
            lines.append(f"{number}. {fill(step.key, step.values)}")
            if step.command:
                lines += [""] + ["   " + line for line in md_block(step.command)] + [""]
            for index, message in enumerate(step.messages or [], start=1):
                lines.append(f"   {index}. {message_text(message, lang, md_code, md_text)}")
        lines.append("")
    lines += [f"## {md_text(lang.t('handout.hand_in'))}", ""]
    if page.login:
        lines += [md_text(lang.t("handout.copy_out")), ""]
        for argv in page.login.copy:
            lines += md_block(argv) + [""]
    lines += [md_text(lang.t("handout.hand_in_intro")), ""]
    lines += [f"- {fill('handout.hand_in_item', {'file': pcap, 'scenario': scenario})}"
              for pcap, scenario in page.files]
    return "\n".join(lines) + "\n"



def login_markdown(login: Login, lang: Language,
                   fill: Callable[[str, dict[str, str]], str]) -> list[str]:
    """The hand-out's "Your login" section, as Markdown lines."""
    lines = [f"## {md_text(lang.t('handout.login'))}", "",
             fill("handout.login_intro", {"user": login.user, "folder": login.folder,
                                          "help": "help"}), ""]
    for machine, does, argv in login.machines:
        lines += [f"- {fill(does, {'machine': machine})}", ""]
        lines += ["  " + line for line in md_block(argv)] + [""]
    key, values = password_line(login)
    return lines + [fill(key, values), ""]

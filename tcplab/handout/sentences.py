"""The sentences of a sheet in a language, shared by its Markdown and HTML: plan values are
put into a sentence as code of the format (escaped), the rest as its prose."""

from __future__ import annotations

import re
from typing import Callable

from ..i18n import Language
from .sheet import EXIT, Login


def fill(lang: Language, key: str, values: dict[str, str], prose: Callable[[str], str],
         code: Callable[[str], str]) -> str:
    """The sentence `key` with its values shown as code, the rest as prose of the format."""
    names = list(values)
    text = prose(lang.t(key, **{name: f"\x00{index}\x00" for index, name in enumerate(names)}))
    return re.sub("\x00([0-9]+)\x00", lambda found: code(values[names[int(found.group(1))]]),
                  text)


def message_text(message: str, lang: Language, code: Callable[[str], str],
                 prose: Callable[[str], str]) -> str:
    """A message to type, as code; the empty message and one that stops the client said so."""
    if message == "":
        return prose(lang.t("handout.empty_message"))
    shown = code(message)
    if message == EXIT:
        shown += " " + fill(lang, "handout.exit_message", {"exit": EXIT}, prose, code)
    return shown


def password_line(login: Login) -> tuple[str, dict[str, str]]:
    """The sentence that tells the pair how it authenticates (key, and values)."""
    if login.auth == "key":
        return "handout.login_key", {}
    if login.password is not None:
        return "handout.login_password", {"password": login.password}
    return "handout.login_password_teacher", {}


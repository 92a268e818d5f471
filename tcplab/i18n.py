"""Every sentence the report shows, in the language the teacher chose.

The strings live in one file per language, ``tcplab/lang/<code>.py``: ``NAME`` (the language's
name in itself) and ``STRINGS``, a dict from a key to a template with named ``str.format``
fields. English (``en``) is the reference; every other language has exactly its keys and the
same fields in each template (a test checks both). Adding a language is adding one such file;
`languages` finds it.

The analyzer states what it found as `Text` values. A `Text` is a ``str`` - its English
sentence, so it reads, compares and joins like one - that also keeps its key and arguments, so
the report can say it again in the chosen language (`Language.render`). Arguments are data
(messages, addresses, numbers, other `Text`s): they are put into a template, never used as one.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from typing import Iterable, Mapping

from . import lang as lang_package


@dataclass(frozen=True)
class Language:
    """One language of the report: its code (``en``), its name, its templates."""

    code: str
    name: str
    strings: Mapping[str, str]

    def t(self, key: str, /, **args: object) -> str:
        """The sentence `key` in this language, `args` put into its fields."""
        if any(isinstance(value, Text) for value in args.values()):
            args = {name: value.say(self) if isinstance(value, Text) else value
                    for name, value in args.items()}
        return self.strings[key].format(**args)

    def render(self, value: object) -> str:
        """A `Text` said in this language; anything else (data) as it is."""
        return value.say(self) if isinstance(value, Text) else str(value)


@cache
def languages() -> dict[str, Language]:
    """Every language that has a file in tcplab/lang, by code."""
    found = {}
    for module in pkgutil.iter_modules(lang_package.__path__):
        strings = importlib.import_module(f"{lang_package.__name__}.{module.name}")
        found[module.name] = Language(module.name, strings.NAME, strings.STRINGS)
    return dict(sorted(found.items()))


def language(code: str) -> Language:
    """The language `code`; KeyError if there is no tcplab/lang/<code>.py."""
    return languages()[code]


class Text(str):
    """A sentence of the report: its English text, plus the key and arguments to say it again."""

    key: str
    args: dict[str, object]

    def __new__(cls, key: str, /, **args: object) -> Text:
        text = super().__new__(cls, language("en").t(key, **args))
        text.key, text.args = key, args
        return text

    def say(self, language: Language) -> str:
        return language.t(self.key, **self.args)


class Joined(Text):
    """Sentences (or data) joined by a separator, each said in the report's language."""

    parts: list[object]
    separator: str

    def __new__(cls, separator: str, parts: Iterable[object]) -> Joined:
        parts = list(parts)
        text = str.__new__(cls, separator.join(str(part) for part in parts))
        text.separator, text.parts = separator, parts
        return text

    def say(self, language: Language) -> str:
        return self.separator.join(language.render(part) for part in self.parts)

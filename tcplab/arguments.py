"""What every subcommand of the `tcplab` command shares: one-line usage errors, the report's
counts and summary printed the same way."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn


class Arguments(argparse.ArgumentParser):
    """argparse whose usage errors are one line: ``error: ...``, exit status 2."""

    def error(self, message: str) -> NoReturn:
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        self.exit(2, f"error: {message} (usage: {usage})\n")


def print_written(written, lang) -> None:
    """After a report is written: the counts, each unreadable file and warning, then the summary."""
    counts = written.document["summary"]
    print(lang.t("cli.counts", captures=counts["captures"], complete=counts["complete"],
                 incomplete=counts["incomplete"], unreadable=counts["unreadable"]))
    for capture in written.document["captures"]:
        if capture["error"]:
            print(f"error: {capture['error']}", file=sys.stderr)
    for warning in written.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print("\n".join(written.summary))

"""The exchanges of a conversation: each request, its reply, and whether they are right.

`answers` pairs each reply with the request it answers (the oldest still waiting that ended
before the reply began), so a server that speaks first is never taken for an answer;
`exchanges` judges message i of the client against the expected message i (the manifest's; for a
student's capture, the plan's) and its reply against the scenario's reply rule, with the
round-trip time; `expect` does that again on a conversation already read.
"""

from __future__ import annotations

from collections import deque

from ..formats.scenarios import Scenario
from ..i18n import Text as T
from .model import C2S, S2C, ConversationAnalysis, Exchange, Message


def show(text: str, limit: int = 60) -> str:
    """A message quoted for a one-line reason."""
    quoted = repr(text)
    return quoted if len(quoted) <= limit else quoted[:limit - 4] + "...'"


def answers(requests: list[Message], replies: list[Message]) -> tuple[list[Message | None],
                                                                       list[Message]]:
    """The reply to each request, and the replies that answer none.

    A reply answers the oldest request still waiting for one that ended before the reply began
    (its packets come after the request's last one). So a server that speaks first (a banner) or
    speaks again unasked is never taken for the answer to a request, and a round-trip time is
    never negative.
    """
    answered: list[Message | None] = [None] * len(requests)
    unasked: list[Message] = []
    waiting: deque[int] = deque()
    index = 0
    for reply in replies:
        while index < len(requests) and requests[index].last_packet < reply.first_packet:
            waiting.append(index)
            index += 1
        if waiting:
            answered[waiting.popleft()] = reply
        else:
            unasked.append(reply)
    return answered, unasked


def exchanges(requests: list[Message], replies: list[Message], expected: list[str] | None,
              expected_replies: list[str] | None, spec: Scenario | None,
              expected_from: str = "manifest") -> list[Exchange]:
    """Request i against the expected message i; its reply (`answers`) against the scenario's
    reply rule; then each reply that answers no request.

    The expected messages are the manifest's (a lab run) or the plan's (a student's capture,
    `expected_from` "plan"); the reasons name which.
    """
    said = "" if expected_from == "manifest" else f".{expected_from}"
    answered, unasked = answers(requests, replies)
    result: list[Exchange] = []
    for i in range(max(len(requests), len(expected or []))):
        request = requests[i] if i < len(requests) else None
        reply = answered[i] if i < len(requests) else None
        want = expected[i] if expected is not None and i < len(expected) else None
        item = Exchange(i + 1, request, reply, want, None, None, None, None)
        if expected is not None:
            if request is None:
                if want is not None:
                    item.request_ok = False
                    item.problems.append(T(f"exchange.not_sent{said}", number=i + 1,
                                           want=show(want)))
            elif want is None:
                item.request_ok = False
                item.problems.append(T("exchange.extra_message", number=i + 1,
                                       sent=show(request.text)))
            else:
                item.request_ok = request.text == want
                if not item.request_ok:
                    item.problems.append(T(f"exchange.wrong_message{said}", number=i + 1,
                                           sent=show(request.text), want=show(want)))
        basis = request.text if request is not None else want
        if spec is not None and basis is not None:
            item.expected_reply = spec.reply(basis)
        elif expected_replies is not None and i < len(expected_replies):
            item.expected_reply = expected_replies[i]
        if reply is None:
            if item.expected_reply is not None:
                item.reply_ok = False
                item.problems.append(T("exchange.reply_missing", number=i + 1,
                                       want=show(item.expected_reply)))
        elif item.expected_reply is None:
            item.reply_ok = None
        else:
            item.reply_ok = reply.text == item.expected_reply
            if not item.reply_ok:
                item.problems.append(T("exchange.wrong_reply", number=i + 1,
                                       sent=show(reply.text), want=show(item.expected_reply)))
        if request is not None and reply is not None:
            item.rtt = reply.first_time - request.last_time
        result.append(item)
    first_request = requests[0].first_packet if requests else None
    for reply in unasked:
        item = Exchange(len(result) + 1, None, reply, None, None, None,
                        False if spec else None, None)
        if spec is not None:
            key = ("exchange.server_first" if first_request is None
                   or reply.first_packet < first_request else "exchange.extra_reply")
            item.problems.append(T(key, number=reply.index, sent=show(reply.text)))
        result.append(item)
    return result


def expect(analysis: ConversationAnalysis, spec: Scenario | None, expected: list[str] | None,
           expected_replies: list[str] | None,
           expected_from: str = "manifest") -> ConversationAnalysis:
    """Judge the analysis's messages and replies against what was expected (its exchanges).

    Reading a conversation does not depend on what it should hold, so grading reads each
    attempt once and then judges it for the pair it turns out to be.
    """
    analysis.exchanges = exchanges(analysis.messages[C2S].items, analysis.messages[S2C].items,
                                   expected, expected_replies, spec, expected_from)
    return analysis

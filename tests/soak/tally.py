"""Counts per kind of traffic and the failures, shared by every soak thread, and the one check of an
answer against what it must be."""
from __future__ import annotations

import re
import threading
from collections import Counter

from catalog import Template
from wire import Response

FAILURES_KEPT = 50  # the first ones are kept whole for the report; all are counted


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent: Counter = Counter()
        self.outcomes: Counter = Counter()   # "kind: outcome"
        self.failures: list[str] = []
        self.failure_count = 0
        self.slowest: dict[str, float] = {}  # kind -> the longest a checked answer took, in seconds

    def count(self, kind: str, outcome: str = "ok", n: int = 1) -> None:
        with self.lock:
            self.sent[kind] += n
            self.outcomes[f"{kind}: {outcome}"] += n

    def fail(self, kind: str, message: str) -> None:
        with self.lock:
            self.sent[kind] += 1
            self.outcomes[f"{kind}: FAILED"] += 1
            self.failure_count += 1
            if len(self.failures) < FAILURES_KEPT:
                self.failures.append(f"{kind}: {message}")

    def note(self, kind: str, message: str) -> None:
        """A failure that is not one request (a fault scenario, the process)."""
        with self.lock:
            self.failure_count += 1
            if len(self.failures) < FAILURES_KEPT:
                self.failures.append(f"{kind}: {message}")


class Checker:
    """Holds every answer to the quiet server's: valid ones to the variants the timeline allows."""

    def __init__(self, expected, errors, timeline, tally: Tally):
        self.expected, self.errors, self.timeline, self.tally = expected, errors, timeline, tally
        # body -> variant, to name a wrong answer's origin
        self.origin = {body: variant for answers in expected.values() for variant, body in answers.items()}

    def check(self, kind: str, template: Template, response: Response, sent: float, answered: float) -> bool:
        with self.tally.lock:
            self.tally.slowest[kind] = max(self.tally.slowest.get(kind, 0.0), round(answered - sent, 3))
        if not template.valid:
            status, body = self.errors[template.name]
            same = (re.fullmatch(template.body_pattern, response.body) is not None if template.body_pattern
                    else response.body == body)
            if response.status == status and same:
                self.tally.count(kind, f"{template.name} {status}")
                return True
            self.tally.fail(kind, f"{template.name}: {response.status} {response.body[:200]!r}, expected {status} {body[:200]!r}")
            return False
        if response.status != 200:
            self.tally.fail(kind, f"{template.name}: {response.status} {response.body[:300]!r}")
            return False
        variants = self.timeline.allowed(template.key, sent, answered)
        answers = self.expected[template.name]
        if any(answers.get(v) == response.body for v in variants):
            self.tally.count(kind, f"{template.name} 200")
            return True
        origin = self.origin.get(response.body, "no known model")
        self.tally.fail(kind, f"{template.name}: wrong answer, {origin}'s, while {sorted(variants)} may answer "
                              f"(sent {sent:.3f}, answered {answered:.3f}): {response.body[:120]!r}")
        return False

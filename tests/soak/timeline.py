"""Which model variant each version may answer with at any moment, from what the reloader did.

Each time a valid file is put in place for a version, an event starts (its time: just before the file
appears, as any scan after that may read it). It is done when the load that read it has been answered
(the repository API's reply comes after the new model is installed) or, for SIGHUP, a second after
`evserve_model_loads_total` showed the rescan's loads (the counter is bumped just before installing).

A request sent at t0 and answered at t1 may be answered by the variant of the latest event done by t0,
or by any event started after that one and before t1. A broken file starts no event: the version keeps
serving what it served.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class Event:
    started: float
    variant: str
    done: float | None = None


class Timeline:
    def __init__(self):
        self.events: dict[tuple, list[Event]] = {}
        self.lock = threading.Lock()

    def start(self, key, variant: str, at: float | None = None) -> Event:
        event = Event(time.monotonic() if at is None else at, variant)
        with self.lock:
            self.events.setdefault(key, []).append(event)
        return event

    def finish(self, events: list[Event], at: float) -> None:
        with self.lock:
            for event in events:
                if event.done is None:
                    event.done = at

    def pending(self) -> list[Event]:
        with self.lock:
            return [e for events in self.events.values() for e in events if e.done is None]

    def allowed(self, key, sent: float, answered: float) -> set[str]:
        with self.lock:
            events = list(self.events.get(key, []))
        done = [e for e in events if e.done is not None and e.done <= sent]
        base = max(done, key=lambda e: e.started) if done else None
        floor = base.started if base else float("-inf")
        allowed = {e.variant for e in events if floor < e.started < answered}
        if base:
            allowed.add(base.variant)
        return allowed

"""`--only` across the bench scripts: one comma-separated list naming servers and rows alike.

Each script knows its own servers and rows; a name it does not know is another script's and passes
(so `make bench BENCH_ARGS=--only=evserve` reaches every script). Of each kind, nothing named means all.
"""
from __future__ import annotations


class Selection:
    def __init__(self, only: str | None) -> None:
        self.names = {n.strip() for n in (only or "").split(",") if n.strip()}

    def chosen(self, name: str, known: list[str]) -> bool:
        """Whether `name`, one of `known` (a script's servers, or its rows), was asked for."""
        named = self.names & set(known)
        return not named or name in named

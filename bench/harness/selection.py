"""`--only` across the bench scripts: one comma-separated list naming servers and rows alike.

Each script knows its own servers and rows. Nothing named: everything runs. Names given, but none of
this script's: it has nothing to do (`--only heavy` is run_heavy.py's row, not the latency script's).
Otherwise, of each kind, nothing named means all of that kind: `--only evserve` runs all of evserve's
rows, `--only heavy` the heavy row on all its servers, `--only heavy,fastapi` one of them.
"""
from __future__ import annotations


class Selection:
    def __init__(self, only: str | None, servers: list[str], rows: list[str]) -> None:
        names = {n.strip() for n in (only or "").split(",") if n.strip()}
        self.servers, self.rows = servers, rows
        self.named_servers, self.named_rows = names & set(servers), names & set(rows)
        self.nothing = bool(names) and not self.named_servers and not self.named_rows

    def server(self, name: str) -> bool:
        return not self.nothing and (not self.named_servers or name in self.named_servers)

    def row(self, name: str) -> bool:
        return not self.nothing and (not self.named_rows or name in self.named_rows)

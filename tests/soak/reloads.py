"""Model updates under load: every few seconds a file of `boston` (version 1 or 2) is swapped for another
valid variant or a broken one, and the repository API's load or a SIGHUP makes evserve read it; now and
then a SIGHUP storm, and a disk that fills up while a new version is copied in.

Broken files, each a failed load that must leave the version serving what it served: a truncated JSON
document, garbage, an empty file, a directory where the file goes (the version directory then holds no
model file), a file without read permission (only when not root: root reads mode 000), and a version
copied onto a full disk (a small tmpfs as the repository), left half written.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from catalog import BOSTON_LATEST, BOSTON_V1, Template
from models import BOSTON_VARIANTS, BROKEN_CONTENTS, install, install_directory, version_path
from process import metric, threads
from tally import Checker, Tally
from timeline import Timeline
from wire import Connection

KEYS = {BOSTON_V1: 1, BOSTON_LATEST: 2}
SIGHUP_DONE_MARGIN = 1.0  # seconds after the counter shows a rescan's loads, by when its install is surely done
STORM_SIGNALS = 25

SCHEDULE = [
    ("valid", BOSTON_LATEST, "api"), ("truncated", BOSTON_V1, "api"), ("valid", BOSTON_V1, "sighup"),
    ("garbage", BOSTON_LATEST, "sighup"), ("valid", BOSTON_LATEST, "api"), ("directory", BOSTON_V1, "api"),
    ("valid", BOSTON_V1, "api"), ("storm", None, None), ("empty", BOSTON_LATEST, "api"),
    ("unreadable", BOSTON_V1, "api"), ("valid", BOSTON_LATEST, "sighup"), ("disk-full", None, None),
    ("valid", BOSTON_V1, "api"),
]


class Reloader:
    def __init__(self, *, repository: Path, files: dict[str, bytes], pid: int, admin: str, port: int,
                 timeline: Timeline, checker: Checker, tally: Tally, templates: list[Template],
                 disk_full_possible: str | None):
        self.repository, self.files, self.pid, self.admin, self.port = repository, files, pid, admin, port
        self.timeline, self.checker, self.tally = timeline, checker, tally
        self.probes = {key: next(t for t in templates if t.key == key and t.name.startswith("v2-json")) for key in KEYS}
        self.disk_full_skipped = disk_full_possible  # the reason, when the repository is no small tmpfs
        self.keys = dict(KEYS)  # the versions on disk (a third one only while the disk is full)
        self.current = {key: "boston-A" for key in KEYS}   # what each version's file holds now
        self.served = {key: "boston-A" for key in KEYS}    # the variant each version serves after its last load
        self.report = {"steps": {}, "storms": [], "disk_full": [], "skipped": {}}
        self.rotation = 0

    # --- the loop -------------------------------------------------------------------------------

    def run(self, deadline: float, interval: float) -> None:
        for round in range(100_000):
            step, key, trigger = SCHEDULE[round % len(SCHEDULE)]
            if time.monotonic() + interval > deadline:
                break
            try:
                self.do(step, key, trigger)
            except Exception as error:  # a failed step is a soak failure, not the end of the soak
                self.tally.note("reload", f"{step}: {type(error).__name__}: {error}")
            time.sleep(interval)
        # Leave every version with a valid file, its load done.
        for key in KEYS:
            if not self.current[key].startswith("boston-"):
                self.put(key, self.next_variant(key))
        self.load_by_api()

    def do(self, step: str, key, trigger) -> None:
        name = step if trigger is None else f"{step} via {trigger}"
        if step == "storm":
            self.storm()
        elif step == "disk-full":
            if self.disk_full_skipped:
                self.report["skipped"]["disk-full"] = self.disk_full_skipped
                return
            self.disk_full()
        elif step == "unreadable" and os.geteuid() == 0:
            self.report["skipped"]["unreadable (mode 000)"] = "running as root, which reads mode-000 files; the directory fault stands in"
            return
        else:
            self.put(key, self.next_variant(key) if step == "valid" else step)
            self.load_by_api() if trigger == "api" else self.load_by_sighup()
        self.report["steps"][name] = self.report["steps"].get(name, 0) + 1

    def next_variant(self, key) -> str:
        self.rotation += 1
        choices = [f"boston-{v}" for v in BOSTON_VARIANTS if f"boston-{v}" != self.served[key]]
        return choices[self.rotation % len(choices)]

    # --- files ----------------------------------------------------------------------------------

    def put(self, key, what: str) -> None:
        version = self.keys[key]
        if what.startswith("boston-"):
            self.timeline.start(key, what)  # before the file appears: any scan from now may read it
            install(self.repository, "boston", version, self.files[what])
        elif what == "directory":
            install_directory(self.repository, "boston", version)
        elif what == "unreadable":
            install(self.repository, "boston", version, self.files["boston-A"])
            os.chmod(version_path(self.repository, "boston", version), 0)
        else:
            install(self.repository, "boston", version, BROKEN_CONTENTS[what])
        self.current[key] = what

    def valid_keys(self) -> list:
        return [key for key in self.keys if self.current[key].startswith("boston-")]

    def installed(self, at: float) -> None:
        """The load that read the current files is done: valid ones are served from `at` on."""
        for key in self.valid_keys():
            self.timeline.finish([e for e in self.timeline.pending() if e in self.timeline.events[key]], at)
            self.served[key] = self.current[key]

    # --- loads ----------------------------------------------------------------------------------

    def load_by_api(self) -> None:
        expected = 200 if len(self.valid_keys()) == len(self.keys) else 400
        request = urllib.request.Request(self.admin + "/v2/repository/models/boston/load", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        self.installed(time.monotonic())
        if status != expected:
            self.tally.note("reload", f"load answered {status} {body[:200]!r}, expected {expected} (files: {self.current})")
        self.tally.count("reload", f"api load {status}")
        self.probe_failed_versions()

    def loads(self) -> float:
        return sum(metric(self.admin, "evserve_model_loads_total", f'model="boston",result="{r}"') or 0
                   for r in ("success", "failure"))

    def load_by_sighup(self) -> None:
        before = self.loads()
        os.kill(self.pid, signal.SIGHUP)
        if not self.wait(lambda: self.loads() >= before + len(KEYS), 30):
            self.tally.note("reload", "SIGHUP: no rescan of boston within 30 s")
        self.installed(time.monotonic() + SIGHUP_DONE_MARGIN)
        self.tally.count("reload", "sighup")
        self.probe_failed_versions()

    def probe_failed_versions(self) -> None:
        """A version whose file is broken still answers, with the variant it served before."""
        for key in self.keys:
            if self.current[key].startswith("boston-") or key not in self.probes:
                continue
            template = self.probes[key]
            connection = Connection(self.port)
            try:
                response = connection.exchange(template.data)
            finally:
                connection.close()
            if response.status == 200 and response.body == self.checker.expected[template.name][self.served[key]]:
                self.tally.count("reload", f"old version kept ({self.current[key]})")
            else:
                self.tally.note("reload", f"after a failed load ({self.current[key]}) {key} answered "
                                          f"{response.status} {response.body[:150]!r}, not {self.served[key]}'s answer")

    def probe_latest(self) -> None:
        """With version 3 failed, a request without a version still gets the highest one that serves: 2."""
        template = self.probes[BOSTON_LATEST]
        connection = Connection(self.port)
        try:
            response = connection.exchange(template.data)
        finally:
            connection.close()
        if response.status == 200 and response.body == self.checker.expected[template.name][self.served[BOSTON_LATEST]]:
            self.tally.count("reload", "latest stays version 2 while 3 fails")
        else:
            self.tally.note("reload", f"with version 3 failed, the latest version answered {response.status} "
                                      f"{response.body[:150]!r}, not version 2's ({self.served[BOSTON_LATEST]})")

    def storm(self) -> None:
        """SIGHUPs a few ms apart: evserve must rescan (coalescing as it likes), keep serving, and settle."""
        before, threads_before, peak = self.loads(), threads(self.pid), 0
        for _ in range(STORM_SIGNALS):
            os.kill(self.pid, signal.SIGHUP)
            peak = max(peak, threads(self.pid))
            time.sleep(0.004)
        last, stable_since, deadline = self.loads(), time.monotonic(), time.monotonic() + 60
        while time.monotonic() < deadline and time.monotonic() - stable_since < 1.0:
            peak = max(peak, threads(self.pid))
            time.sleep(0.05)
            now = self.loads()
            if now != last:
                last, stable_since = now, time.monotonic()
        settled = time.monotonic() < deadline and last >= before + len(KEYS)
        self.installed(time.monotonic() + SIGHUP_DONE_MARGIN)
        rescans = (last - before) / len(KEYS)
        self.report["storms"].append({"signals": STORM_SIGNALS, "rescans": rescans, "threads_before": threads_before,
                                      "threads_peak": peak, "settled": settled})
        if not settled:
            self.tally.note("reload", f"SIGHUP storm: loads did not settle within 60 s ({rescans} rescans)")
        self.tally.count("reload", "sighup storm")

    def disk_full(self) -> None:
        """The repository's disk fills up while version 3 is copied in: the copy fails half written, the
        load of version 3 fails, and versions 1 and 2 keep serving; then the disk is freed and 3 removed."""
        filler = self.repository / ".filler"
        target = version_path(self.repository, "boston", 3)
        record = {}
        try:
            room = os.statvfs(self.repository)
            free = room.f_bavail * room.f_frsize
            with open(filler, "wb") as out:
                out.write(b"\0" * max(0, free - 64 * 1024))
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(target, "wb") as out:  # as `cp` would: in place, not atomically
                    out.write(self.files["boston-B"])
                record["copy"] = "completed (the disk was not full)"
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                record["copy"] = f"ENOSPC after {target.stat().st_size} of {len(self.files['boston-B'])} bytes"
            self.current[("boston", "3")] = "partial"
            self.keys[("boston", "3")] = 3
            try:
                self.load_by_api()  # expects 400: version 3 is not valid
                self.probe_latest()
            finally:
                del self.keys[("boston", "3")]
                del self.current[("boston", "3")]
        finally:
            filler.unlink(missing_ok=True)
            shutil.rmtree(target.parent, ignore_errors=True)
        self.load_by_api()  # version 3 is gone from disk: dropped
        self.report["disk_full"].append(record)

    @staticmethod
    def wait(condition, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.02)
        return condition()

"""Regrade a class: `python -m grader regrade SUBMISSION... --out DIR [--jobs N] ...`

The flow, and why:
- this process imports the grader, pytest, numpy and matplotlib once, then forks one
  grading process per submission (up to --jobs at a time): each grade starts warm, and
  a crash or a hang of one never reaches the others or this process;
- student code runs in a bubblewrap sandbox per submission (grader/sandbox.py) that
  holds nothing of the course; where bwrap cannot run, in workers forked from a zygote
  (grader/worker.py) that has numpy and matplotlib imported but never the solution or
  the grader's state, with limits;
- every grading process writes DIR/<submission>/ (results.json, feedback.md, figures);
  this process alone writes grades.csv (a row as each submission finishes) and
  summary.md. Nothing a submission prints or writes is ever read back.
"""

import functools
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader import processes, sandbox
from grader.grade import write_text
from grader.locate import SUBMISSION_FILE
from grader.regrade import integrity
from grader.regrade.collect import BadArchive, collect, unpack
from grader.regrade.sheet import SHEET, GradeSheet, flag_duplicates
from grader.regrade.summary import write_summary
from grader.submission import DEFAULT_TIMEOUT, WORKER, worker_environment

SUBMISSION_DEADLINE = 300.0  # seconds for one whole grade, all checks together
DEFAULT_MEMORY_MB = 1024
DEFAULT_SEED = 7919


@dataclass(frozen=True)
class Settings:
    out: Path
    jobs: int = os.cpu_count() or 1
    timeout: float = DEFAULT_TIMEOUT
    memory: int = DEFAULT_MEMORY_MB
    seed: int = DEFAULT_SEED
    resume: bool = False
    shard: tuple = (1, 1)  # (i, n): grade the i-th of n slices
    sandbox: str = "auto"  # grader.sandbox.MODES


# -- one submission (in a forked grading process) ---------------------------------------

def status_of(results):
    """ok, error, timeout, memory or integrity, from what the checks said.

    timeout: a call ran out of time; memory: the memory limit was hit; error: the code
    could not be imported or found, or it ended the worker; integrity: a rule is broken.
    """
    failed = " ".join(check.output for check in results.checks if not check.passed)
    if integrity_flags(results):
        return "integrity"
    if "did not finish within" in failed:
        return "timeout"
    if "MemoryError" in failed:
        return "memory"
    if any(text in failed for text in ("could not be imported", f"no {SUBMISSION_FILE}",
                                       "ended the grading process")):
        return "error"
    if results.broken_rules:
        return "integrity"
    return "ok"


def integrity_flags(results):
    """"integrity: replaces numpy.allclose"-style flags of checks the submission forged."""
    found = []
    for check in results.checks:
        marker = check.output.find("integrity: replaces ")
        if marker >= 0:
            flag = check.output[marker:].split(" (", 1)[0]
            if flag not in found:
                found.append(flag)
    return found


def rule_flags(results):
    return [f"rule: {check.output.splitlines()[0]}" for check in results.broken_rules]


def error_row(entry, message, out_dir):
    folder = Path(out_dir) / entry.name
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "feedback.md", f"# Not graded\n\n{message}\n")
    return {"submission": entry.name, "student": entry.student, "score": 0, "max_score": "",
            "status": "error", "flags": message}


def grade_entry(entry, settings, zygote, pristine, isolation=sandbox.PROCESS):
    """Grade one submission into settings.out / entry.name; returns its grade-sheet row."""
    from grader.grade import grade

    with tempfile.TemporaryDirectory(prefix="regrade-") as staging:
        path = entry.path
        try:
            if path.suffix.lower() == ".zip":
                path = unpack(path, Path(staging))
        except BadArchive as error:
            return error_row(entry, str(error), settings.out)
        results = grade(path, out_dir=settings.out / entry.name, hidden=True,
                        timeout=settings.timeout, memory=settings.memory, zygote=zygote,
                        hidden_seed=settings.seed, isolation=isolation)
        flags = integrity.tampered_files(path, pristine) if path.is_dir() else []
        flags += integrity_flags(results)
        code = integrity.normalised_digest(results.code) if results.code else ""
    row = {"submission": entry.name, "student": entry.student, "score": results.score,
           "max_score": results.max_score, "status": status_of(results),
           "flags": "; ".join(flags + rule_flags(results)), "code": code,
           "isolation": results.isolation}
    row.update({group: score for group, (score, _) in results.groups().items()})
    return row


# -- the pool ----------------------------------------------------------------------------

def _fork_grader(work, entry):
    """Start work(entry) in a forked process; returns (pid, read end of its result pipe)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            payload = {"row": work(entry)}
        except BaseException as error:  # noqa: B036 - whatever happens, report it
            payload = {"crash": f"{type(error).__name__}: {error}"}
        data = json.dumps(payload).encode("utf-8")
        while data:
            data = data[os.write(write, data):]
        os._exit(0)
    os.close(write)
    return pid, read


def run_pool(entries, jobs, work, on_row, out_dir, before_fork=None):
    """Grade entries with at most `jobs` forked graders; call on_row(row) as each ends.

    work(entry, slot) runs in the grader forked for entry; slot (0 .. jobs - 1) is one no
    other running grader has, for the zygote of that slot; before_fork(slot), when given,
    runs in this process just before.
    """
    queue, running, free = list(entries), {}, list(range(jobs))
    while queue or running:
        while queue and len(running) < jobs:
            entry, slot = queue.pop(0), free.pop(0)
            if before_fork:
                before_fork(slot)
            pid, fd = _fork_grader(functools.partial(work, slot=slot), entry)
            running[fd] = (pid, entry, time.monotonic(), bytearray(), slot)
        ready, _, _ = select.select(list(running), [], [], 0.2)
        for fd in ready:
            pid, entry, started, data, slot = running[fd]
            chunk = os.read(fd, 1 << 16)
            if chunk:
                data += chunk
                continue
            del running[fd]
            free.append(slot)
            os.close(fd)
            os.waitpid(pid, 0)
            try:
                payload = json.loads(bytes(data))
            except ValueError:
                payload = {"crash": "the grading process ended without a result"}
            on_row(payload["row"] if "row" in payload
                   else error_row(entry, f"the grader failed: {payload['crash']}", out_dir))
        for fd, (pid, entry, started, _, slot) in list(running.items()):
            if time.monotonic() - started > SUBMISSION_DEADLINE:
                processes.kill(pid)
                os.waitpid(pid, 0)
                os.close(fd)
                del running[fd]
                free.append(slot)
                row = error_row(entry, f"grading took over {SUBMISSION_DEADLINE:g} s", out_dir)
                on_row({**row, "status": "timeout"})


# -- the zygote ---------------------------------------------------------------------------

class Zygotes:
    """The zygotes workers fork from: one for all (process isolation), or one sandboxed
    zygote per job slot (grader.sandbox.start_zygote), restarted when a submission
    killed it."""

    def __init__(self, isolation, jobs, folder):
        self.isolation, self.folder, self.running = isolation, Path(folder), {}
        for slot in range(1 if isolation == sandbox.PROCESS else jobs):
            self._start(slot)

    def _start(self, slot):
        if self.isolation == sandbox.PROCESS:
            self.running[slot] = start_zygote(self.folder)
            return
        slot_folder = self.folder / f"slot-{slot}"
        if slot_folder.exists():
            shutil.rmtree(slot_folder, ignore_errors=True)
        slot_folder.mkdir()
        self.running[slot] = sandbox.start_zygote(slot_folder)

    def ensure(self, slot):
        """Start the zygote of slot again if a submission ended it (sandboxed ones)."""
        if self.isolation != sandbox.PROCESS and self.running[slot][0].poll() is not None:
            self.running[slot][0].wait()
            self._start(slot)

    def socket(self, slot):
        """The socket path of the zygote serving slot."""
        return self.running[0 if self.isolation == sandbox.PROCESS else slot][1]

    def close(self):
        for process, _ in self.running.values():
            processes.kill(process.pid)
            process.wait()


def start_zygote(folder):
    """Start a worker zygote listening in folder; returns (process, socket path)."""
    socket_path = str(Path(folder) / "zygote.sock")
    process = subprocess.Popen([sys.executable, "-I", str(WORKER), "--zygote", socket_path],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, cwd=folder,
                               env={"PATH": os.environ.get("PATH", ""), **worker_environment()})
    deadline = time.monotonic() + 60
    while not Path(socket_path).exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the worker zygote did not start")
        time.sleep(0.02)
    return process, socket_path


# -- the command ----------------------------------------------------------------------------

def shard_of(entries, shard):
    """The i-th of n deterministic slices of entries (by position in name order)."""
    index, count = shard
    ordered = sorted(entries, key=lambda entry: entry.name)
    return [entry for position, entry in enumerate(ordered) if position % count == index - 1]


def regrade(arguments, settings, progress=True):
    """Regrade the submissions named by arguments; returns the GradeSheet."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401 - imported once here, inherited by every grader
    import pytest  # noqa: F401
    from tqdm import tqdm

    from grader import grade  # noqa: F401

    out = Path(settings.out)
    out.mkdir(parents=True, exist_ok=True)
    entries = shard_of(collect(arguments), settings.shard)
    sheet = GradeSheet(out / SHEET)
    todo = [e for e in entries if not (settings.resume and e.name in sheet.rows)]
    pristine = integrity.pristine_hashes()
    isolation = sandbox.resolve(settings.sandbox)  # probed once, inherited by every grader
    processes.become_subreaper()
    with tempfile.TemporaryDirectory(prefix="zygote-") as folder:
        zygotes = Zygotes(isolation, settings.jobs, folder)
        tqdm.monitor_interval = 0  # no monitor thread: this process forks
        bar = tqdm(total=len(todo), unit="submission", desc="regrading", disable=not progress,
                   file=sys.stderr)

        def on_row(row):
            sheet.add(row)
            bar.update(1)

        try:
            run_pool(todo, settings.jobs,
                     lambda entry, slot: grade_entry(entry, settings, zygotes.socket(slot),
                                                     pristine, isolation),
                     on_row, out, before_fork=zygotes.ensure)
        finally:
            bar.close()
            zygotes.close()
            processes.kill_strays()
    flag_duplicates(sheet)
    write_summary(sheet, out)
    return sheet

"""Regrade a class: `python -m grader regrade SUBMISSION... --out DIR [--jobs N] ...`

The flow, and why:
- this process imports the grader, pytest, numpy and matplotlib once, then forks one
  grading process per submission (up to --jobs at a time): each grade starts warm, and
  a crash or a hang of one never reaches the others or this process;
- student code runs in workers forked from a zygote (grader/sandbox/) that has numpy
  and matplotlib imported but never the solution or the grader's state, with limits;
- every grading process writes DIR/<submission>/ (results.json, feedback.md, figures);
  this process alone writes grades.csv (a row as each submission finishes) and
  summary.md. Nothing a submission prints or writes is ever read back.
"""

import json
import os
import select
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.options import GradeOptions
from grader.regrade import integrity
from grader.regrade.collect import BadArchive, collect, unpack
from grader.regrade.sheet import SHEET, GradeSheet, flag_duplicates
from grader.regrade.summary import write_summary
from grader.sandbox import processes
from grader.sandbox.launch import start_zygote
from grader.session.outcome import CRASHED, MEMORY, NOT_RUN, TIMEOUT

SUBMISSION_DEADLINE = 300.0  # seconds for one whole grade, all checks together


@dataclass(frozen=True)
class Settings:
    """A regrade: the class's output folder, the pool, and how each submission is graded
    (`grading`: its timeout, memory and hidden seed; out and zygote are set per grade)."""

    out: Path
    jobs: int = os.cpu_count() or 1
    resume: bool = False
    shard: tuple = (1, 1)  # (i, n): grade the i-th of n slices
    grading: GradeOptions = GradeOptions(hidden=True)


# -- one submission (in a forked grading process) ---------------------------------------

def status_of(results):
    """ok, error, timeout, memory or integrity, from the kinds of the checks' outcomes.

    timeout: a call ran out of time; memory: the memory limit was hit; error: the code
    could not be found or imported, or it ended the worker; integrity: a rule is broken.
    """
    kinds = {check.kind for check in results.checks}
    if TIMEOUT in kinds:
        return "timeout"
    if MEMORY in kinds:
        return "memory"
    if kinds & {CRASHED, NOT_RUN}:
        return "error"
    if results.broken_rules:
        return "integrity"
    return "ok"


def rule_flags(results):
    return [f"rule: {check.output.splitlines()[0]}" for check in results.broken_rules]


def error_row(entry, message, out_dir):
    folder = Path(out_dir) / entry.name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.md").write_text(f"# Not graded\n\n{message}\n", encoding="utf-8")
    return {"submission": entry.name, "student": entry.student, "score": 0, "max_score": "",
            "status": "error", "flags": message}


def grade_entry(entry, settings, zygote, pristine):
    """Grade one submission into settings.out / entry.name; returns its grade-sheet row."""
    from grader.grade import grade

    with tempfile.TemporaryDirectory(prefix="regrade-") as staging:
        path = entry.path
        try:
            if path.suffix.lower() == ".zip":
                path = unpack(path, Path(staging))
        except BadArchive as error:
            return error_row(entry, str(error), settings.out)
        results = grade(path, options=settings.grading.with_(
            out=settings.out / entry.name, zygote=zygote))
        flags = integrity.tampered_files(path, pristine) if path.is_dir() else []
        code = integrity.normalised_digest(results.code) if results.code else ""
    row = {"submission": entry.name, "student": entry.student, "score": results.score,
           "max_score": results.max_score, "status": status_of(results),
           "flags": "; ".join(flags + rule_flags(results)), "code": code}
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


def run_pool(entries, jobs, work, on_row, out_dir):
    """Grade entries with at most `jobs` forked graders; call on_row(row) as each ends."""
    queue, running = list(entries), {}
    while queue or running:
        while queue and len(running) < jobs:
            entry = queue.pop(0)
            pid, fd = _fork_grader(work, entry)
            running[fd] = (pid, entry, time.monotonic(), bytearray())
        ready, _, _ = select.select(list(running), [], [], 0.2)
        for fd in ready:
            pid, entry, started, data = running[fd]
            chunk = os.read(fd, 1 << 16)
            if chunk:
                data += chunk
                continue
            del running[fd]
            os.close(fd)
            os.waitpid(pid, 0)
            try:
                payload = json.loads(bytes(data))
            except ValueError:
                payload = {"crash": "the grading process ended without a result"}
            on_row(payload["row"] if "row" in payload
                   else error_row(entry, f"the grader failed: {payload['crash']}", out_dir))
        for fd, (pid, entry, started, _) in list(running.items()):
            if time.monotonic() - started > SUBMISSION_DEADLINE:
                processes.kill(pid)
                os.waitpid(pid, 0)
                os.close(fd)
                del running[fd]
                row = error_row(entry, f"grading took over {SUBMISSION_DEADLINE:g} s", out_dir)
                on_row({**row, "status": "timeout"})


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
    processes.become_subreaper()
    with tempfile.TemporaryDirectory(prefix="zygote-") as folder:
        # Without a safe fork (or AF_UNIX) each worker is a plain fresh process instead.
        zygote, socket_path = start_zygote(folder) if processes.ZYGOTE_SUPPORTED else (None, None)
        tqdm.monitor_interval = 0  # no monitor thread: this process forks
        bar = tqdm(total=len(todo), unit="submission", desc="regrading", disable=not progress,
                   file=sys.stderr)

        def on_row(row):
            sheet.add(row)
            bar.update(1)

        try:
            run_pool(todo, settings.jobs,
                     lambda entry: grade_entry(entry, settings, socket_path, pristine),
                     on_row, out)
        finally:
            bar.close()
            if zygote is not None:
                processes.kill_tree(zygote)
            processes.kill_strays()
    flag_duplicates(sheet)
    write_summary(sheet, out)
    return sheet

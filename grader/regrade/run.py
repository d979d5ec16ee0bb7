"""Regrade a class: `python -m grader regrade SUBMISSION... --out DIR [--jobs N] ...`

The flow, and why:
- this process imports the grader, pytest, numpy and matplotlib once, then forks one
  grading process per submission (up to --jobs at a time): each grade starts warm, and
  a crash or a hang of one never reaches the others or this process;
- student code runs in workers forked from a zygote (grader/sandbox/) that has numpy
  and matplotlib imported but never the solution or the grader's state, with limits:
  with bubblewrap, one sandboxed zygote per job slot that holds nothing of the course;
- every grading process writes DIR/<submission>/ (results.json, feedback.md, figures);
  this process alone writes grades.csv (a row as each submission finishes) and
  summary.md. Nothing a submission prints or writes is ever read back.
"""

import functools
import json
import os
import select
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from grader.intake import scratch
from grader.intake.archives import BadArchive
from grader.intake.handin import open_handin
from grader.intake.locate import Refused
from grader.options import GradeOptions
from grader.regrade import integrity
from grader.regrade.adjust import apply_policy
from grader.regrade.collect import (
    collect,
    content_hash,
    gathered,
    keep_online_text,
    moodle_download,
)
from grader.regrade.plan import effective_policy, identify, resume_lines, shard_of, to_grade
from grader.regrade.policy import Policy, PolicyError
from grader.regrade.rings import flag_similar
from grader.regrade.row import (
    integrity_flags,
    relative_paths,
    result_row,
    review_flags,
    rule_flags,
    with_notes,
)
from grader.regrade.sheet import SHEET, GradeSheet, flag_duplicates, flag_same_student
from grader.regrade.similarity import THRESHOLD
from grader.regrade.summary import WARNINGS, write_summary
from grader.regrade.times import submission_times
from grader.results import reports
from grader.results.markdown import fenced
from grader.sandbox import bwrap, privileges, processes
from grader.sandbox.launch import start_zygote
from grader.session import installation

SUBMISSION_DEADLINE = 300.0  # seconds for one whole grade, all checks together
CODE_FILE = "submitted_code.py"  # what was graded, kept for the copy detection


@dataclass(frozen=True)
class Settings:
    """A regrade: the class's output folder, the pool, and how each submission is graded
    (`grading`: its timeout, memory and hidden seed; out and zygote are set per grade)."""

    out: Path
    jobs: int = os.cpu_count() or 1
    resume: bool = False
    retry_errors: bool = False
    shard: tuple = (1, 1)  # (i, n): grade the i-th of n slices
    roster: Path = None
    bonus_cap: float = None  # at most this many bonus points count (the policy's bonus.most)
    similarity: float = THRESHOLD
    policy: Policy = Policy()
    grading: GradeOptions = GradeOptions(hidden=True)


# -- one submission (in a forked grading process) ---------------------------------------

def identity_columns(entry):
    found = entry.identity
    return {"submission": entry.name, "student_id": found.student_id, "name": found.name,
            "email": found.email, "participant": found.participant}


def error_row(entry, message, out_dir, status="error", points=0):
    """The row (and feedback.md) of a submission no check could grade. points: its score
    parts, "" (none at all) where the grader failed, so that no grade book takes the row
    for a zero the student earned."""
    from grader.grade import write_text

    try:  # the row is kept even where its feedback cannot be written
        write_text(Path(out_dir) / entry.name / "feedback.md",
                   "\n".join(["# Not graded", "", *fenced(message), ""]))
    except OSError as error:
        message += f" (its feedback.md could not be written: {error.strerror})"
    return {**identity_columns(entry), "total": points, "public": points, "hidden": points,
            "bonus": points, "status": status, "reason": message}


def grader_failure_row(entry, error):
    """The row of a submission the grader failed on (grade() has written its results.json
    and feedback.md): status error, the reason, no score."""
    return {**identity_columns(entry), "total": "", "public": "", "hidden": "", "bonus": "",
            "status": "error", "reason": f"{reports.GRADER_FAILED}: {error}"}


def write_code_first(path, code_file):
    """Keep the code about to be graded (for the copy detection) before grading it, so
    that a grade that crashes or overruns the deadline is compared too."""
    from grader.grade import write_text
    from grader.intake.prepare import Prepared

    try:
        with Prepared(path) as prepared:
            if prepared.code:
                write_text(code_file, prepared.code)
    except (OSError, ValueError):
        pass  # the grade says what is wrong with the submission


def grade_entry(entry, settings, zygote, pristine):
    """Grade one submission into settings.out / entry.name; returns its grade-sheet row."""
    from grader.grade import GraderFailure, grade, write_json, write_text

    out = settings.out / entry.name
    code_file = out / CODE_FILE
    code_file.unlink(missing_ok=True)  # a regrade leaves no earlier code behind
    with scratch.temporary("regrade-") as staging:
        staging, unreadable, notes = Path(staging), None, []
        path = gathered(entry, staging / "gathered")
        try:
            (staging / "unpacked").mkdir()
            opened = open_handin(path, staging / "unpacked")
            path, notes = opened.path, opened.notes
        except Refused:
            pass  # graded as it is: the grade refuses it with the reason (integrity)
        except BadArchive as error:
            # Graded as an empty folder, so that the row has every column; then said why.
            path, unreadable = staging / "empty", str(error)
            path.mkdir()
        write_code_first(path, code_file)
        try:
            results = grade(path, options=settings.grading.with_(out=out, zygote=zygote))
        except GraderFailure as error:
            return grader_failure_row(entry, error)
        results = relative_paths(results, path, staging, entry.path)
        flags = (integrity.tampered_files(path, pristine)
                 if path.is_dir() and not path.is_symlink() else [])
        flags += integrity_flags(results)
        code = integrity.normalised_digest(results.code) if results.code else ""
    notes += list(results.notes) + keep_online_text(entry, out)
    write_json(out / "results.json", reports.gradescope(results))
    if results.code and not unreadable:
        write_text(code_file, results.code)
    if unreadable:
        return {**result_row(results, settings.bonus_cap),
                **error_row(entry, with_notes(unreadable, notes), settings.out)}
    write_text(out / "feedback.md", reports.feedback_markdown(results, visible_only=False))
    row = result_row(results, settings.bonus_cap)
    row["reason"] = with_notes(row["reason"], notes)
    return {**identity_columns(entry), **row,
            "flags": "; ".join(flags + rule_flags(results) + review_flags(notes)),
            "code": code, "isolation": results.isolation}


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


def longest_running(running, now):
    """"name 12 s" of the submission graded the longest among running, or ""."""
    if not running:
        return ""
    _, entry, started, _, _ = min(running.values(), key=lambda item: (item[2], item[1].name))
    return f"longest: {entry.name} {now - started:.0f} s"


def run_pool(entries, jobs, work, on_row, out_dir, on_tick=None, before_fork=None):
    """Grade entries with at most `jobs` forked graders; call on_row(row) as each ends.

    work(entry, slot) runs in the grader forked for entry; slot (0 .. jobs - 1) is one no
    other running grader has, for the zygote of that slot; before_fork(slot), when given,
    runs in this process just before. on_tick(text), when given, hears which submission
    has been running longest.
    """
    queue, running, free = list(entries), {}, list(range(jobs))
    while queue or running:
        if on_tick is not None:
            on_tick(longest_running(running, time.monotonic()))
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
                   else error_row(entry, f"{reports.GRADER_FAILED}: {payload['crash']}",
                                  out_dir, points=""))
        for fd, (pid, entry, started, _, slot) in list(running.items()):
            if time.monotonic() - started > SUBMISSION_DEADLINE:
                processes.kill(pid)
                os.waitpid(pid, 0)
                os.close(fd)
                del running[fd]
                free.append(slot)
                on_row(error_row(entry, f"grading took over {SUBMISSION_DEADLINE:g} s",
                                 out_dir, status="timeout"))


# -- the zygotes ---------------------------------------------------------------------------

class Zygotes:
    """The zygotes workers fork from: one for all (process isolation), or one sandboxed
    zygote per job slot (grader.sandbox.bwrap.start_zygote), restarted when a submission
    killed it; none where fork or AF_UNIX is missing (each worker is then a fresh process).
    """

    def __init__(self, isolation, jobs, folder):
        self.isolation, self.folder, self.running = isolation, Path(folder), {}
        slots = 1 if isolation == bwrap.PROCESS else jobs
        for slot in range(slots if processes.ZYGOTE_SUPPORTED else 0):
            self._start(slot)

    def _start(self, slot):
        if self.isolation == bwrap.PROCESS:
            try:
                self.running[slot] = start_zygote(self.folder)
            except RuntimeError as error:  # before any submission: the grader's failure
                raise installation.GraderFailure(
                    f"{error} (it ended before it was ready): check that this Python, numpy "
                    "and matplotlib work (python -c 'import numpy, matplotlib')") from error
            return
        slot_folder = self.folder / f"slot-{slot}"
        if slot_folder.exists():
            scratch.remove(slot_folder)
        slot_folder.mkdir()
        self.running[slot] = bwrap.start_zygote(slot_folder)

    def ensure(self, slot):
        """Start the zygote of slot again if a submission ended it (sandboxed ones)."""
        if (self.isolation != bwrap.PROCESS and slot in self.running
                and self.running[slot][0].poll() is not None):
            self.running[slot][0].wait()
            self._start(slot)

    def socket(self, slot):
        """The socket path of the zygote serving slot (None: no zygote)."""
        running = self.running.get(0 if self.isolation == bwrap.PROCESS else slot)
        return running[1] if running else None

    def close(self):
        for process, _ in self.running.values():
            processes.kill_tree(process)


# -- the command ----------------------------------------------------------------------------

def regrade(arguments, settings, progress=True):
    """Regrade the submissions named by arguments; returns the GradeSheet.

    Raises identity.RosterError for a roster, PolicyError for a policy's worksheet or
    download, that cannot be used, GraderFailure for a grader that cannot grade (all
    before any grading).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401 - imported once here, inherited by every grader
    import pytest  # noqa: F401

    import grader.grade  # noqa: F401

    installation.verify(settings.grading)
    # A Moodle download's zip given as it is: unpacked here for the run (collect.expand).
    with tempfile.TemporaryDirectory(prefix="downloads-") as downloads:
        zips = [Path(a) for a in arguments if moodle_download(Path(a)) is not None]
        return regrade_entries(collect(arguments, downloads, settings.out), settings,
                               progress, zips)


def regrade_entries(entries, settings, progress=True, downloads=()):
    """Regrade [collect.Entry]; returns the GradeSheet (see regrade). downloads: the
    Moodle download zips among the arguments (their entries' times are the hand-in
    times)."""
    from tqdm import tqdm

    out = Path(settings.out)
    everyone, missing, warnings = identify(entries, settings.roster)
    policy = effective_policy(settings)
    entries = shard_of(everyone, settings.shard)
    try:
        handed = submission_times(entries, policy, downloads)
    except ValueError as error:  # a worksheet or download the policy names
        raise PolicyError(f"{policy.path}: {error}") from None
    out.mkdir(parents=True, exist_ok=True)
    hashes = {entry.name: content_hash(*entry.paths) for entry in entries}
    sheet = GradeSheet(out / SHEET)
    for entry in entries:  # the roster may have changed since: names follow it
        if entry.name in sheet.rows:
            sheet.rows[entry.name].update(
                {k: v for k, v in identity_columns(entry).items() if k != "submission"})
    for row in missing:
        sheet.add(row, save=False)
    todo = to_grade(entries, sheet, hashes, settings)
    if settings.resume:
        for line in resume_lines(todo, entries):
            print(line, file=sys.stderr)
    (out / WARNINGS).write_text("".join(f"{line}\n" for line in warnings), encoding="utf-8")
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    pristine = integrity.pristine_hashes()
    isolation = bwrap.resolve(settings.grading.sandbox)  # probed once, inherited by graders
    privileges.as_root_isolation(isolation)  # said once here, where student code runs as root
    processes.become_subreaper()
    with scratch.temporary("zygote-") as folder:
        zygotes = Zygotes(isolation, settings.jobs, folder)
        tqdm.monitor_interval = 0  # no monitor thread: this process forks
        bar = tqdm(total=len(todo), unit="submission", desc="regrading", disable=not progress,
                   file=sys.stderr)
        shown = [""]

        def on_row(row):
            moment, source = handed.get(row["submission"], ("", ""))
            sheet.add({**row, "hash": hashes.get(row["submission"], ""),
                       "handed_in": moment, "handed_in_from": source})
            bar.update(1)

        def on_tick(text):
            if text != shown[0]:
                shown[0] = text
                bar.set_postfix_str(text)

        try:
            run_pool(todo, settings.jobs,
                     lambda entry, slot: grade_entry(entry, settings, zygotes.socket(slot),
                                                     pristine),
                     on_row, out, on_tick, before_fork=zygotes.ensure)
        finally:
            bar.close()
            zygotes.close()
            processes.kill_strays()
            scratch.sweep()  # the copies of graders killed at the deadline
    for name, (moment, source) in handed.items():  # also for the rows --resume kept
        if name in sheet.rows:
            sheet.rows[name].update(handed_in=moment, handed_in_from=source)
    finish(sheet, out, settings.similarity, policy)
    return sheet


def finish(sheet, out, threshold=THRESHOLD, policy=None):
    """Flag identical and similar code and a student's several hand-ins, apply the policy
    (None: keep the sheet's policy columns as they are), write similarity.md and
    summary.md; save."""
    flag_same_student(sheet)
    flag_duplicates(sheet)
    flag_similar(sheet, out, CODE_FILE, threshold)
    if policy is not None:
        lines = apply_policy(sheet, policy)
        with (Path(out) / WARNINGS).open("a", encoding="utf-8") as stream:
            stream.write("".join(f"{line}\n" for line in lines))
        for line in lines:
            print(f"warning: {line}", file=sys.stderr)
    write_summary(sheet, out)

"""Grade one submission: run the checks as a pytest session, score, write the results.

    python -m grader [PATH] [--json FILE] [--out DIR] [--fail-under N] [--timeout S]
                     [--github | --classroom50 DIR]
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from grader import options as grade_options
from grader.intake.prepare import Prepared
from grader.lab import PLOTS
from grader.options import GradeOptions
from grader.paths import CHECKS_DIR, DEFAULT_SUBMISSION, HIDDEN_CHECKS_DIR
from grader.results import classroom50, github, reports
from grader.results.scoring import score
from grader.sandbox import bwrap, privileges
from grader.sandbox.handle import WorkerHandle, WorkerNotReady
from grader.sandbox.launch import Limits
from grader.session import installation
from grader.session.installation import GraderFailure

# The options of a grade that its command line offers (the others are set by callers).
COMMAND_OPTIONS = ("out", "timeout", "memory", "report_points", "keyword", "sandbox")
AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
# pytest's own plugins a grading session has no use for (no check captures logs or
# warnings, patches or makes temporary folders); unraisableexception alone spends a
# tenth of a second in gc.collect() at the end of every session. (legacypath stays:
# pytest-json-report reads the session's fspath.)
UNUSED_PLUGINS = ("unraisableexception", "threadexception", "faulthandler", "doctest",
                  "junitxml", "pastebin", "stepwise", "nose", "logging", "warnings",
                  "tmpdir", "monkeypatch", "recwarn", "setuponly", "setupplan",
                  "python_path")


def run_checks(submission, options):
    """Run every check on `submission` with `options` (GradeOptions); returns the
    GradingSession, holding each check's CheckResult and what was graded."""
    # A zygote's sandbox was probed by its regrade; a single grade's worker is the probe.
    isolation = bwrap.resolve(options.sandbox, probe=bool(options.zygote))
    # A root grader's workers run as an unprivileged account (grader.sandbox.privileges).
    account = privileges.worker_account()
    privileges.shield(account, outputs=[options.out])
    # A sandboxed zygote sees one folder of the host: the submission is copied there.
    into = bwrap.work_folder(options.zygote) if options.zygote and isolation == bwrap.BWRAP \
        else None
    with Prepared(submission, into) as prepared:
        worker = None
        if not prepared.problem:
            if account is not None:  # the copy is the account's, and nothing else
                privileges.copy_font_cache(prepared.folder, account)
                privileges.hand_over(prepared.folder, account)
            worker = WorkerHandle(prepared.path, Limits(timeout=options.timeout,
                                                        memory_mb=options.memory),
                                  zygote=options.zygote, isolation=isolation,
                                  fallback=options.sandbox == "auto", account=account)
        try:
            if worker is None:
                installation.verify_versions()
            else:
                start_worker(worker)
            session = checks_session(prepared, worker, options)
        finally:
            if worker is not None:
                worker.close()
        if worker is not None and worker.fallback_reason:
            bwrap.fall_back(options.sandbox, worker.fallback_reason)
        if worker is not None:  # recorded as such where student code ran as root
            worker.isolation = privileges.as_root_isolation(worker.isolation)
        return session


def start_worker(worker):
    """Start the worker before pytest is even imported: its start-up (numpy, matplotlib,
    the submission's import) overlaps pytest's start and collection, and the check of the
    libraries' versions, made before the submission's import is asked for."""
    try:
        worker.start(before_import=installation.verify_versions)
    except WorkerNotReady as error:
        raise GraderFailure(str(error)) from error


def checks_session(prepared, worker, options):
    """Run the checks as a pytest session; returns its GradingSession."""
    import pytest
    from pytest_jsonreport.plugin import JSONReport

    from grader.session import plugin

    session = plugin.GradingSession(prepared, worker, options)
    folders = [str(CHECKS_DIR)] + ([str(HIDDEN_CHECKS_DIR)] if options.hidden else [])
    args = [*folders, "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR.parent),
            "-q", "--tb=no", "--assert=plain", "-p", "pytest_jsonreport.plugin",
            *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
            "--json-report-file", "none",
            "--json-report-omit", "traceback", "streams", "keywords", "collectors"]
    if options.keyword:
        args += ["-k", options.keyword]
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured), \
            no_plugin_autoload():
        exit_code = pytest.main(args, plugins=[plugin, session, JSONReport()])
    if session.unloadable:  # pytest calls a check module it cannot load an interruption
        module, error = session.unloadable[0]
        raise GraderFailure(f"the grader's check module {module} cannot be loaded ({error}): "
                            + installation.restore_hint(CHECKS_DIR.parent / module))
    if exit_code == pytest.ExitCode.INTERRUPTED:  # pytest stopped for Ctrl-C or SIGTERM
        raise Terminated() if SIGNALLED else KeyboardInterrupt()
    if session.missing_groups:
        raise GraderFailure(f"the grader has no checks of {', '.join(session.missing_groups)}: "
                            + installation.restore_hint(CHECKS_DIR))
    if exit_code not in (0, 1):
        raise GraderFailure(f"the checks did not run (pytest exit code {exit_code}): "
                            f"{last_line(captured.getvalue())}; reinstall the grader")
    return session


def first_line(text):
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def last_line(text):
    """The last non-empty line of pytest's output (its summary of what went wrong)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


@contextlib.contextmanager
def no_plugin_autoload():
    """Only the plugins the grading session names load: none of whatever else is
    installed (a plugin that reorders tests, say), and no time spent finding them."""
    saved = os.environ.get(AUTOLOAD)
    os.environ[AUTOLOAD] = "1"
    try:
        yield
    finally:
        if saved is None:
            del os.environ[AUTOLOAD]
        else:
            os.environ[AUTOLOAD] = saved


def grade(submission, out_dir=None, keyword=None, hidden=None, options=None, **fields):
    """Grade `submission`; write results.json and feedback.md into the out folder.

    Args:
        submission: path of backprop.py, a notebook, or a directory holding them.
        options: a GradeOptions (default: GradeOptions()); out_dir, keyword, hidden and
            any other field of GradeOptions given here replace its value.
    Returns:
        grader.results.scoring.Results.
    Raises:
        GraderFailure: the grader itself failed (its installation, before the checks, or
            a check it could not run); results.json and feedback.md then say so, with no
            score.
    """
    options = (options or GradeOptions()).with_(out=out_dir, keyword=keyword, hidden=hidden,
                                                 **fields)
    out = Path(options.out)
    refuse_linked_out(out)
    out.mkdir(parents=True, exist_ok=True)
    for plot in PLOTS:  # a plot that fails now must leave no picture of one that worked
        stale = out / f"{plot}.png"
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
    started = time.perf_counter()
    try:
        installation.verify_files(options)  # the versions: while the worker starts
        session = run_checks(submission, options)
        if session.grader_failure:
            raise GraderFailure(session.grader_failure)
        failed = [c for c in session.results if c.internal_error]
        if failed:
            raise GraderFailure(f"{failed[0].name}: {first_line(failed[0].output)}; please "
                                "report it to the course staff")
    except GraderFailure as error:
        record_failure(out, error)
        raise
    prepared = session.prepared
    results = score(session.results, time.perf_counter() - started, prepared.graded,
                    prepared.code, session.import_error, file=str(prepared.original or ""),
                    isolation=session.isolation, not_enforced=session.not_enforced,
                    notes=prepared.notes)
    try:
        write_json(out / "results.json", reports.gradescope(results))
        write_text(out / "feedback.md", reports.feedback_markdown(results))
    except OSError as error:  # a full disk, a folder made read-only: no grade is kept
        failure = unwritable(out, error)
        record_failure(out, failure)
        raise failure from error
    return results


def unwritable(where, error):
    """The GraderFailure of results that could not be written at `where`."""
    return GraderFailure(f"the results could not be written in {where} "
                         f"({error.strerror or error}): free space there, or give a folder "
                         "that can be written (--out, --json, --classroom50)")


def record_failure(out, error):
    """results.json and feedback.md of a grade the grader failed (no score), as far as
    the out folder takes them: a full disk leaves only the terminal's line."""
    try:
        write_json(out / "results.json", reports.gradescope_error(str(error)))
        write_text(out / "feedback.md", reports.feedback_error(str(error)))
    except OSError:
        for name in ("results.json", "feedback.md"):  # no score of an earlier grade stays
            with contextlib.suppress(OSError):
                (out / name).unlink(missing_ok=True)


class LinkedOut(ValueError):
    """--out is, or passes through, a link in the current folder: nothing is written."""


def refuse_linked_out(out):
    """Raise LinkedOut when out is a link, or a folder on its way below the current
    folder is. In a student's checkout the default --out is the student's to plant: a
    committed `grading-output -> /elsewhere` would have the results written elsewhere.
    (Links above the current folder, such as macOS's /tmp, are the machine's own.)"""
    here, where = Path.cwd(), Path(os.path.abspath(out))
    inside = where.is_relative_to(here)
    for part in [where, *where.parents]:
        if part == here or not inside and part != where:
            return
        if part.is_symlink():
            shown = part.relative_to(here) if inside else part
            raise LinkedOut(f"--out {out}: {shown} is a link (to {os.readlink(part)}); the "
                            "results are written into a real folder only: remove the link "
                            "or give another --out")


def write_text(path, text):
    """Write a file atomically (readers never see half of it), under a fresh temporary
    name, over whatever stands at path: a directory planted there is removed first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    os.replace(partial, path)


def write_json(path, data):
    """Write JSON atomically (see write_text)."""
    write_text(path, json.dumps(data, indent=2) + "\n")


def copy_json(destination, out):
    """--json FILE: the same bytes as the results.json grade() wrote into out."""
    written = Path(out) / "results.json"
    if destination and written.is_file():  # over a link planted there, never through it
        try:
            write_text(destination, written.read_text(encoding="utf-8"))
        except OSError as error:
            raise unwritable(destination, error) from error


def parser():
    result = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade a backprop.py (or a notebook) against the lab's contract. Other "
                    "commands: regrade, merge, make-starter, make-datasets, export-template, "
                    "export-gradescope, export-classroom50, export-grades (each with --help; "
                    "see README.md).")
    result.add_argument("path", nargs="?", default=str(DEFAULT_SUBMISSION),
                        help="backprop.py, or a directory holding it (default: starter/, "
                             "or the current directory where there is no starter/)")
    result.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json here")
    result.add_argument("--fail-under", metavar="N", type=float,
                        help="exit with code 1 when the score is below N")
    grade_options.add_arguments(result, COMMAND_OPTIONS)
    result.add_argument("--github", action="store_true",
                        help="in GitHub Actions: write the Classroom result as the step output "
                             "`result` and the feedback to the job summary")
    result.add_argument("--classroom50", metavar="DIR", type=Path,
                        help="under Classroom 50's runner: write result.json and "
                             "release-body.md into DIR (the student's checkout) and the "
                             "commit status as the step output `status`")
    return result


def publish_classroom50(results, directory):
    """The Classroom 50 files in `directory`, its annotations and step outputs."""
    document = classroom50.result(results)
    try:
        write_json(directory / classroom50.RESULT_FILE, document)
        write_text(directory / classroom50.BODY_FILE, classroom50.release_body(results, document))
    except OSError as error:  # no result.json: the runner records an error, not a score
        with contextlib.suppress(OSError):
            (directory / classroom50.RESULT_FILE).unlink(missing_ok=True)
        raise unwritable(directory, error) from error
    classroom50.publish(results, document)


class Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job's timeout, `kill`): unwinds as Ctrl-C does, through pytest's
    session too, so the worker is ended and the submission's copy removed on the way out."""


SIGNALLED = []  # the SIGTERMs this process received


def terminated(signum, frame):
    SIGNALLED.append(signum)
    raise Terminated()


def grade_command(argv):
    args = parser().parse_args(argv)
    if args.github and args.classroom50:
        parser().error("--github and --classroom50 are two different hosts: give one")
    signal.signal(signal.SIGTERM, terminated)
    if args.github:
        github.require_environment()
    if args.classroom50:
        try:
            classroom50.require_environment()
        except classroom50.Classroom50Error as error:
            raise SystemExit(str(error)) from None
    in_actions = args.github or bool(args.classroom50)
    options = grade_options.from_arguments(args, COMMAND_OPTIONS)
    try:
        # Before any work: says why it cannot run (--sandbox bwrap starts it once to see).
        bwrap.resolve(options.sandbox, probe=options.sandbox == "bwrap")
    except bwrap.SandboxUnavailable as error:
        print(f"python -m grader: {error}", file=sys.stderr)
        return 2
    try:
        with github.commands_stopped(in_actions):  # the table quotes the submission
            results = grade(args.path, options=options)
            print(reports.table(results))
            print(f"\nFeedback, results and figures: {options.out}/")
        if args.classroom50:
            publish_classroom50(results, args.classroom50)
        copy_json(args.json, options.out)
    except KeyboardInterrupt as interrupted:  # nothing was graded, nothing is reported
        print("python -m grader: interrupted, nothing graded", file=sys.stderr)
        return 128 + (signal.SIGTERM if isinstance(interrupted, Terminated) else signal.SIGINT)
    except LinkedOut as error:  # nothing written, not even the error's results.json
        with github.commands_stopped(in_actions):  # the link's target is the student's text
            print(f"python -m grader: {error}", file=sys.stdout if in_actions else sys.stderr,
                  flush=True)
        if args.github:
            github.publish_error(f"{reports.GRADER_FAILED}: {error}")
        return 2
    except (GraderFailure, classroom50.Classroom50Error) as error:
        # In Actions, on stdout: stderr may reach the log after commands are resumed.
        with github.commands_stopped(in_actions):
            print(f"{reports.GRADER_FAILED}: {error}",
                  file=sys.stdout if in_actions else sys.stderr, flush=True)
        with contextlib.suppress(GraderFailure):  # the line above said it already
            copy_json(args.json, options.out)
        if args.github:
            github.publish_error(f"{reports.GRADER_FAILED}: {error}")
        return 2
    if args.github:
        github.publish(results)
    if args.fail_under is not None and results.score < args.fail_under:
        return 1
    return 0

"""Grade one submission: run the checks as a pytest session, score, write the results.

    python -m grader [PATH] [--json FILE] [--out DIR] [--fail-under N] [--timeout S]
"""

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from grader import github, reports, sandbox
from grader.paths import DEFAULT_SUBMISSION
from grader.scoring import score_report

CHECKS_DIR = Path(__file__).resolve().parent / "checks"
HIDDEN_DIR = Path(__file__).resolve().parent / "hidden"
DEFAULT_OUT = Path("grading-output")


class GraderFailure(RuntimeError):
    """The grader itself could not complete (not a problem of the submission)."""


def run_checks(submission, out_dir, keyword=None, hidden=False, **options):
    """Run every check on `submission`; returns the pytest-json-report report dict.

    Args:
        submission: path of backprop.py or of a directory holding it.
        out_dir: where checks save what a student should see (the figures).
        keyword: optional pytest -k expression to run some checks only.
        hidden: also run the hidden checks (grader/hidden/), for regrading.
        options: the plugin's options (grader/plugin.py), each given when not None:
            timeout, memory, zygote, isolation, record_reference, reference_values.
    """
    import pytest
    from pytest_jsonreport.plugin import JSONReport

    json_plugin = JSONReport()
    folders = [str(CHECKS_DIR)] + ([str(HIDDEN_DIR)] if hidden else [])
    args = [*folders, "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR.parent),
            "-p", "grader.plugin", "--submission", str(submission),
            "--figures-dir", str(out_dir), "--json-report-file", "none", "-q", "--tb=no",
            "--assert=plain",
            "--json-report-omit", "traceback", "streams", "keywords", "collectors"]
    for name, value in options.items():
        if value is not None:
            args += [f"--{name.replace('_', '-')}", str(value)]
    if keyword:
        args += ["-k", keyword]
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
        exit_code = pytest.main(args, plugins=[json_plugin])
    if json_plugin.report is None or exit_code not in (0, 1):
        raise GraderFailure(f"the checks did not run (pytest exit code {exit_code}):\n"
                            f"{captured.getvalue()[-3000:]}")
    return json_plugin.report


def grade(submission, out_dir=DEFAULT_OUT, keyword=None, hidden=False, **options):
    """Grade `submission`; write results.json and feedback.md into out_dir; return Results.

    keyword, hidden and options: see run_checks.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    results = score_report(run_checks(submission, out_dir, keyword, hidden, **options))
    write_json(out_dir / "results.json", reports.gradescope(results))
    write_text(out_dir / "feedback.md", reports.feedback_markdown(results))
    return results


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


def parser():
    result = argparse.ArgumentParser(
        prog="python -m grader",
        description="Grade a backprop.py (or a notebook) against the lab's contract. Other "
                    "commands: regrade, merge, make-starter, make-datasets, export-template, "
                    "export-gradescope (each with --help; see README.md).")
    result.add_argument("path", nargs="?", default=str(DEFAULT_SUBMISSION),
                        help="backprop.py, or a directory holding it (default: starter/, "
                             "or the current directory where there is no starter/)")
    result.add_argument("--json", metavar="FILE", help="also write Gradescope's results.json here")
    result.add_argument("--out", metavar="DIR", default=str(DEFAULT_OUT),
                        help="directory for results.json, feedback.md and the figures "
                             "(default: %(default)s)")
    result.add_argument("--fail-under", metavar="N", type=float,
                        help="exit with code 1 when the score is below N")
    result.add_argument("--timeout", metavar="S", type=float,
                        help="seconds one call into the submission may take (default 10)")
    result.add_argument("-k", dest="keyword", metavar="EXPR",
                        help="run only the checks whose test names match (pytest -k)")
    result.add_argument("--sandbox", choices=sandbox.MODES, default="auto",
                        help="isolate student code with bubblewrap (bwrap), not at all beyond "
                             "a separate process (none), or bwrap where it runs (auto, the "
                             "default; says so loudly when it cannot)")
    result.add_argument("--github", action="store_true",
                        help="in GitHub Actions: write the Classroom result as the step output "
                             "`result` and the feedback to the job summary")
    return result


def grade_command(argv):
    args = parser().parse_args(argv)
    if args.github:
        github.require_environment()
    try:
        isolation = sandbox.resolve(args.sandbox)
    except sandbox.SandboxUnavailable as error:
        print(f"python -m grader: {error}", file=sys.stderr)
        return 2
    try:
        results = grade(args.path, args.out, args.keyword, timeout=args.timeout,
                        isolation=isolation)
    except GraderFailure as error:
        print(f"grader error: {error}", file=sys.stderr)
        if args.github:
            github.publish_error(f"The grader itself failed: {error}")
        return 2
    print(reports.table(results))
    print(f"\nFeedback, results and figures: {args.out}/")
    if args.json:
        write_json(args.json, reports.gradescope(results))
    if args.github:
        github.publish(results)
    if args.fail_under is not None and results.score < args.fail_under:
        return 1
    return 0

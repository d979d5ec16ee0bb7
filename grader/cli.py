"""Command line: a thin layer over the functions that do the work.

    python -m grader [PATH] [--json FILE] [--fail-under N]   grade a submission
    python -m grader make-starter                            regenerate starter/
    python -m grader make-datasets                           regenerate datasets/
    python -m grader export-template OUT [--for HOST]        the student template
    python -m grader export-gradescope OUT.zip               the Gradescope autograder
    python -m grader export-classroom50 OUT                  the Classroom 50 bundle
    python -m grader regrade SUBMISSION... --out DIR         regrade a class (TAs)
    python -m grader merge DIR... --out DIR                  join regrade shards
    python -m grader export-grades DIR --format F            grades for Moodle or Canvas
    python -m grader export-grades scores.csv --roster R ... Classroom 50's scores, likewise
    python -m grader sandbox-check                           what student code can see

All but grading and merge need solution/: they exist in the course's repository only.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

from grader.paths import PACKAGED, REPO_ROOT, SOLUTION_DIR


def _relative(path):
    try:
        return path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        return path


def make_starter_command(args):
    from grader.authoring import starter

    for path in starter.make_starter():
        print(f"wrote {_relative(path)}")
    return 0


def make_datasets_command(args):
    from grader.authoring import data

    for path in data.make_datasets():
        print(f"wrote {_relative(path)}")
    return 0


def export_template_command(args):
    from grader.authoring.exports.template import export_template

    print(f"wrote the student template ({args.host}) into {export_template(args.out, args.host)}")
    return 0


def template_arguments(parser):
    from grader.authoring.exports.template import DEFAULT_HOST, HOSTS

    parser.add_argument("--for", dest="host", choices=HOSTS, default=DEFAULT_HOST,
                        help="where it is graded: actions (its own workflow, classroom.yml, "
                             "on every push) or classroom50 (Classroom 50's runner with the "
                             "bundle of export-classroom50; no workflow of its own) "
                             "(default: %(default)s)")


def export_classroom50_command(args):
    from grader.authoring.exports.classroom50 import export_classroom50

    out = export_classroom50(args.out)
    print(f"wrote the Classroom 50 bundle into {out}: commit it as "
          "<classroom>/autograders/<assignment>/ in the course's classroom50 repository")
    return 0


def export_gradescope_command(args):
    from grader.authoring.exports.gradescope import export_gradescope

    print(f"wrote the Gradescope autograder {export_gradescope(args.out)}")
    return 0


# name -> (function, description, positional argument or None, options or None)
MAINTENANCE = {
    "make-starter": (make_starter_command, "regenerate starter/ from solution/", None, None),
    "make-datasets": (make_datasets_command,
                      "regenerate the CSV files and SHA256SUMS in datasets/", None, None),
    "export-template": (export_template_command,
                        "write the student template repository into a new directory", "out",
                        template_arguments),
    "export-gradescope": (export_gradescope_command,
                          "write the Gradescope autograder zip", "out", None),
    "export-classroom50": (export_classroom50_command,
                           "write the Classroom 50 autograder bundle into a new directory",
                           "out", None),
}


# The options of each submission's grade that the regrade command line offers.
REGRADE_OPTIONS = ("timeout", "memory", "hidden_seed", "report_points", "sandbox")


def regrade_command(argv):
    from grader import options
    from grader.regrade.identity import RosterError
    from grader.regrade.policy import POLICY_FILE, PolicyError, find_policy
    from grader.regrade.run import Settings, regrade
    from grader.regrade.similarity import THRESHOLD
    from grader.sandbox.bwrap import SandboxUnavailable
    from grader.session.installation import GraderFailure

    parser = argparse.ArgumentParser(
        prog="python -m grader regrade",
        description="Regrade many submissions in isolation, with the hidden checks.")
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                        help="folders, .py files, .zip files, or folders of those")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N")
    options.add_arguments(parser, REGRADE_OPTIONS, flags={"hidden_seed": "--seed"})
    parser.add_argument("--resume", action="store_true",
                        help="skip submissions already in DIR/grades.csv whose content has "
                             "not changed since")
    parser.add_argument("--retry-errors", action="store_true",
                        help="with --resume, grade the error, timeout and memory rows again")
    parser.add_argument("--roster", type=Path, metavar="FILE.csv",
                        help="CSV of the class (columns id, name, optionally email): names "
                             "the students, adds a `missing` row for each without a submission")
    parser.add_argument("--policy", type=Path, metavar="FILE.toml",
                        help="the course's policy (deadline and late rule, overrides, bonus "
                             f"rule, scale, duplicates); default: {POLICY_FILE} beside the "
                             "roster, if there is one")
    parser.add_argument("--bonus-cap", type=float, metavar="P",
                        help="at most P bonus points count in `total` (default: the policy's "
                             "[bonus] most, else as many as its bonus rule, or grader/lab.py's "
                             "BONUS, lets count)")
    parser.add_argument("--similarity", type=float, default=THRESHOLD, metavar="F",
                        help="flag pairs sharing at least this share of their own code "
                             "(default %(default)s)")
    parser.add_argument("--shard", type=shard, default=(1, 1), metavar="I/N",
                        help="grade only the I-th of N deterministic slices")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if not SOLUTION_DIR.is_dir():
        parser.error("the hidden checks need the solution, which this copy does not have")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    if not hasattr(os, "fork"):
        parser.error("regrade forks one grading process per submission, which this system "
                     "cannot: run it on Linux (or in WSL on Windows)")
    if args.retry_errors and not args.resume:
        parser.error("--retry-errors goes with --resume")
    if args.bonus_cap is not None and args.bonus_cap < 0:
        parser.error("--bonus-cap must be 0 or more")
    if not 0 < args.similarity <= 1:
        parser.error(f"--similarity must be in (0, 1], not {args.similarity:g}")
    try:
        policy = find_policy(args.policy, args.roster)
    except PolicyError as error:
        parser.error(str(error))
    if policy.path is not None:
        print(f"policy: {policy.path}", file=sys.stderr)
    settings = Settings(out=args.out, jobs=args.jobs, resume=args.resume,
                        retry_errors=args.retry_errors, shard=args.shard, roster=args.roster,
                        bonus_cap=args.bonus_cap, similarity=args.similarity, policy=policy,
                        grading=options.from_arguments(args, REGRADE_OPTIONS, hidden=True))
    try:
        sheet = regrade(args.submissions, settings, progress=not args.no_progress)
    except (RosterError, PolicyError) as error:
        parser.error(str(error))
    except SandboxUnavailable as error:
        parser.exit(2, f"python -m grader regrade: {error}\n")
    except GraderFailure as error:
        parser.exit(2, f"python -m grader regrade: the grader failed: {error}\n")
    print(f"{len(sheet.rows)} submissions in {args.out / 'grades.csv'}; "
          f"summary in {args.out / 'summary.md'}")
    return 0


def shard(text):
    """I/N with 1 <= I <= N, for --shard."""
    try:
        index, count = (int(part) for part in text.split("/"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not I/N, e.g. 2/4") from None
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text!r}: I must be between 1 and N")
    return index, count


def merge_command(argv):
    from grader.regrade.run import finish
    from grader.regrade.sheet import SHEET, merge
    from grader.regrade.summary import WARNINGS

    parser = argparse.ArgumentParser(
        prog="python -m grader merge",
        description="Join the grade sheets (and results) of several regrade runs.")
    parser.add_argument("dirs", nargs="+", type=Path, metavar="DIR")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    args = parser.parse_args(argv)
    missing = [str(d / SHEET) for d in args.dirs if not (d / SHEET).is_file()]
    if missing:
        parser.error(f"no grade sheet in: {', '.join(missing)}")
    args.out.mkdir(parents=True, exist_ok=True)
    for directory in args.dirs:
        if directory.resolve() != args.out.resolve():
            for child in directory.iterdir():
                if child.is_dir():
                    shutil.copytree(child, args.out / child.name, dirs_exist_ok=True)
    warnings = []
    for directory in args.dirs:
        if (directory / WARNINGS).is_file():
            warnings += (directory / WARNINGS).read_text(encoding="utf-8").splitlines()
    (args.out / WARNINGS).write_text("".join(f"{w}\n" for w in dict.fromkeys(warnings)),
                                     encoding="utf-8")
    sheet = merge([d / SHEET for d in args.dirs], args.out / SHEET)
    finish(sheet, args.out)
    print(f"{len(sheet.rows)} submissions in {args.out / SHEET}")
    return 0


def export_grades_command(argv):
    import time

    from grader.regrade.gradebook import (
        DEFAULT_ASSIGNMENT,
        DUPLICATES,
        FORMATS,
        ExportError,
        export_grades,
    )
    from grader.regrade.policy import PolicyError, find_policy, read_policy

    parser = argparse.ArgumentParser(
        prog="python -m grader export-grades",
        description="Write a regrade's DIR/grades.csv, or Classroom 50's scores.csv (gh "
                    "teacher download) with --roster, in a grade book's import format, "
                    "matched by student ID (see grader/regrade/gradebook.py for the columns).")
    parser.add_argument("dir", type=Path, metavar="DIR|scores.csv")
    parser.add_argument("--roster", type=Path, metavar="FILE.csv",
                        help="with scores.csv: the CSV of the class's GitHub usernames and "
                             "student IDs (columns username, id; optionally name, email, "
                             "participant)")
    parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="default DIR/grades-<format>.csv")
    parser.add_argument("--worksheet", type=Path, metavar="FILE.csv",
                        help="moodle: the grading worksheet downloaded from Moodle, to fill in")
    parser.add_argument("--assignment", default=DEFAULT_ASSIGNMENT,
                        help="canvas: the assignment column's header (default %(default)r)")
    parser.add_argument("--duplicates", choices=DUPLICATES,
                        help="a student with several submissions: export the latest handed "
                             "in, the highest grade, the first handed in, or refuse naming "
                             "them (default: the policy's duplicates, else latest; with "
                             "scores.csv: the teacher's override first)")
    parser.add_argument("--policy", type=Path, metavar="FILE.toml",
                        help="apply this course policy to DIR/grades.csv first (and save "
                             "it), or to scores.csv's submissions (late rule, scale_to, "
                             "overrides, duplicates); default: the grades as the regrade "
                             "wrote them, and for scores.csv the policy.toml beside the "
                             "roster, if there is one")
    parser.add_argument("--dry-run", action="store_true",
                        help="write nothing: print what the grade book will do with each "
                             "row (accepted, or skipped and why)")
    args = parser.parse_args(argv)
    if args.worksheet is not None and args.fmt != "moodle":
        parser.error("--worksheet goes with --format moodle")
    modified = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    try:
        policy = read_policy(args.policy) if args.policy else None
        if policy is None and args.roster is not None and args.dir.is_file():
            policy = find_policy(None, args.roster)  # as a regrade with that roster does
            policy = policy if policy.path is not None else None
        if policy is not None and policy.path is not None:
            print(f"policy: {policy.path}", file=sys.stderr)
        done = export_grades(args.dir, args.fmt, args.out, args.worksheet, args.assignment,
                             modified, args.duplicates, policy, args.dry_run, args.roster)
    except (ExportError, PolicyError) as error:
        parser.error(str(error))
    for warning in done.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.dry_run:
        for who, action in done.actions:
            print(f"{who}: {action}")
        accepted = sum(action.startswith(("accepted", "written")) for _, action in done.actions)
        print(f"dry run: {accepted} of {len(done.actions)} rows would be taken; nothing written")
    else:
        print(f"wrote {done.path}")
    return 0


def sandbox_check_command(argv):
    from grader.sandbox.visibility import report

    argparse.ArgumentParser(
        prog="python -m grader sandbox-check",
        description="Print what a worker can see here (paths, processes, network, "
                    "environment), to verify a machine before a regrade.").parse_args(argv)
    return report()


COMMANDS = {"regrade": regrade_command, "merge": merge_command,
            "export-grades": export_grades_command, "sandbox-check": sandbox_check_command}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    if argv and argv[0] in MAINTENANCE:
        command, help_text, positional, options = MAINTENANCE[argv[0]]
        parser = argparse.ArgumentParser(prog=f"python -m grader {argv[0]}", description=help_text)
        if positional:
            parser.add_argument(positional, type=Path)
        if options:
            options(parser)
        args = parser.parse_args(argv[1:])
        if not SOLUTION_DIR.is_dir():
            parser.error(f"needs the solution ({SOLUTION_DIR}), which this copy does not have")
        if PACKAGED:
            parser.error("needs the course's repository (a checkout, or `pip install -e .`), "
                         "not an installed package")
        try:
            return command(args)
        except (OSError, ValueError, RuntimeError) as error:
            print(f"python -m grader {argv[0]}: {error}", file=sys.stderr)
            return 1
    from grader.grade import grade_command

    return grade_command(argv)

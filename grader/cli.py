"""Command line: a thin layer over the functions that do the work.

    python -m grader [PATH] [--json FILE] [--fail-under N]   grade a submission
    python -m grader make-starter                            regenerate starter/
    python -m grader make-datasets                           regenerate datasets/
    python -m grader export-template OUT                     the student template
    python -m grader export-gradescope OUT.zip               the Gradescope autograder

The last four need solution/: they exist in the course's repository only.
"""

import argparse
import sys
from pathlib import Path

from grader import data, starter
from grader.paths import REPO_ROOT, SOLUTION_DIR


def _relative(path):
    try:
        return path.resolve().relative_to(REPO_ROOT)
    except ValueError:
        return path


def make_starter_command(args):
    for path in starter.make_starter():
        print(f"wrote {_relative(path)}")
    return 0


def make_datasets_command(args):
    for path in data.make_datasets():
        print(f"wrote {_relative(path)}")
    return 0


def export_template_command(args):
    from grader.exports.template import export_template

    print(f"wrote the student template into {export_template(args.out)}")
    return 0


def export_gradescope_command(args):
    from grader.exports.gradescope import export_gradescope

    print(f"wrote the Gradescope autograder {export_gradescope(args.out)}")
    return 0


# name -> (function, description, positional argument or None)
MAINTENANCE = {
    "make-starter": (make_starter_command, "regenerate starter/ from solution/", None),
    "make-datasets": (make_datasets_command,
                      "regenerate the CSV files and SHA256SUMS in datasets/", None),
    "export-template": (export_template_command,
                        "write the student template repository into a new directory", "out"),
    "export-gradescope": (export_gradescope_command,
                          "write the Gradescope autograder zip", "out"),
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in MAINTENANCE:
        command, help_text, positional = MAINTENANCE[argv[0]]
        parser = argparse.ArgumentParser(prog=f"python -m grader {argv[0]}", description=help_text)
        if positional:
            parser.add_argument(positional, type=Path)
        args = parser.parse_args(argv[1:])
        if not SOLUTION_DIR.is_dir():
            parser.error(f"needs the solution ({SOLUTION_DIR}), which this copy does not have")
        try:
            return command(args)
        except (OSError, ValueError, RuntimeError) as error:
            print(f"python -m grader {argv[0]}: {error}", file=sys.stderr)
            return 1
    from grader.grade import grade_command

    return grade_command(argv)

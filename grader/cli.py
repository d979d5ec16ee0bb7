"""Command line: a thin layer over the functions that do the work.

    python -m grader [PATH] [--json FILE] [--fail-under N]   grade a submission
    python -m grader make-starter                            regenerate starter/
    python -m grader make-datasets                           regenerate datasets/
"""

import argparse
import sys

from grader import data, starter
from grader.paths import REPO_ROOT


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


MAINTENANCE = {
    "make-starter": (make_starter_command, "regenerate starter/ from solution/"),
    "make-datasets": (make_datasets_command,
                      "regenerate the CSV files and SHA256SUMS in datasets/"),
}


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in MAINTENANCE:
        command, help_text = MAINTENANCE[argv[0]]
        parser = argparse.ArgumentParser(prog=f"python -m grader {argv[0]}", description=help_text)
        return command(parser.parse_args(argv[1:]))
    from grader.grade import grade_command

    return grade_command(argv)

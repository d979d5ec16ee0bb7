"""GradeOptions is the one declaration of a grade's options: both command lines and the
regrade's settings come from it, and the session gets the object itself."""

import argparse
from dataclasses import fields

import pytest

from grader import cli, grade, lab
from grader.options import GradeOptions, add_arguments, from_arguments
from grader.paths import SOLUTION_DIR
from grader.regrade.run import Settings


def parsed(parser, argv):
    return parser.parse_args(argv)


def regrade_parser():
    parser = argparse.ArgumentParser()
    add_arguments(parser, cli.REGRADE_OPTIONS, flags={"hidden_seed": "--seed"})
    return parser


def test_both_command_lines_default_to_the_dataclass():
    defaults = GradeOptions()
    graded = from_arguments(parsed(grade.parser(), []), grade.COMMAND_OPTIONS)
    regraded = from_arguments(parsed(regrade_parser(), []), cli.REGRADE_OPTIONS, hidden=True)
    assert graded == defaults
    assert regraded == GradeOptions(hidden=True) == Settings(out=".").grading
    assert defaults.memory == lab.DEFAULT_MEMORY_MB and defaults.timeout == lab.DEFAULT_TIMEOUT
    assert defaults.hidden_seed == lab.HIDDEN_SEED


def test_command_line_values_reach_the_options():
    args = parsed(grade.parser(), ["--timeout", "3", "--memory", "512", "--report-points", "2",
                                   "-k", "sigmoid", "--out", "elsewhere"])
    options = from_arguments(args, grade.COMMAND_OPTIONS)
    assert (options.timeout, options.memory, options.report_points, options.keyword) == (
        3.0, 512, 2.0, "sigmoid")
    assert str(options.out) == "elsewhere"
    seeded = from_arguments(parsed(regrade_parser(), ["--seed", "11"]), cli.REGRADE_OPTIONS)
    assert seeded.hidden_seed == 11


def test_a_bad_value_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        parsed(grade.parser(), ["--memory", "lots"])
    assert "--memory" in capsys.readouterr().err


def test_every_field_has_a_help_text():
    assert all(field.metadata["help"] for field in fields(GradeOptions))


def test_report_points_count_for_a_notebook(tmp_path):
    results = grade.grade(SOLUTION_DIR / "lab1.ipynb", out_dir=tmp_path, keyword="report",
                          report_points=2)
    report = [c for c in results.checks if c.group == lab.REPORT]
    assert len(report) == 3 and all(c.passed and c.max_score == 2 for c in report)
    assert results.score == results.max_score == 6

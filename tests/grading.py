"""Helpers for tests that grade example submissions."""

from grader.grade import grade
from grader.paths import SOLUTION_DIR


def grade_source(source, tmp_path, name="backprop.py", **options):
    """Grade a backprop.py whose text is `source`; returns Results."""
    folder = tmp_path / "submission"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(source, encoding="utf-8")
    return grade(folder, out_dir=tmp_path / "out", **options)


def solution_source():
    return (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")


def by_name(results):
    """{check name: CheckResult}."""
    return {check.name: check for check in results.checks}


def failed_groups(results):
    return {check.group for check in results.checks if not check.passed}

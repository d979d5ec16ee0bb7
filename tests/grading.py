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


def bonus_total(core, maximum, bonus):
    """The total of `core` out of `maximum` with `bonus` points earned, under the course's
    bonus setting (grader/lab.py BONUS): the tests that grade whole submissions hold for
    either setting, the scoring tests pin each one."""
    from grader import lab

    return core + bonus if lab.BONUS == "extra" else min(core + bonus, maximum)


def bonus_headline(core, maximum, bonus):
    """The table's total line for bonus_total (no rule broken)."""
    from grader import lab

    if not bonus:
        return f"Total: {core:g} / {maximum:g}"
    total = bonus_total(core, maximum, bonus)
    text = f"Total: {core:g} / {maximum:g} + {bonus:g} bonus = {total:g}"
    if total - core != bonus:
        text += (f" (bonus points make up points lost elsewhere, up to {maximum:g})"
                 if lab.BONUS == "cap" else "")
    return text

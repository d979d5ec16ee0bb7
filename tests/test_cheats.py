"""Cheats end at the score their honest work deserves, in `python -m grader` and in a
regrade: numerical differentiation instead of back-propagation, forged reports, answers
the worker was not asked for, params that training did not produce, imports hidden from
the audit. The submissions are in tests/submissions/hostile/cheats.py."""

import os
import time
from pathlib import Path

import pytest

from tests.grading import by_name, grade_source
from tests.submissions.hostile import cheats
from tests.test_regrade import regrade, write
from tests.test_sandbox import repository_state


def descendants():
    """Command lines of every live process descending from this one (a grade's workers,
    and whatever they left: the grader makes itself their subreaper), after a moment for
    kills to land; zombies are dead."""
    for _ in range(20):
        found = _live_descendants()
        if not found:
            return []
        time.sleep(0.1)
    return found


def _live_descendants():
    parents = {}
    for proc in Path("/proc").iterdir():
        try:
            state, parent = (proc / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            if state != "Z":
                parents[int(proc.name)] = int(parent)
        except (OSError, ValueError):
            continue
    found, frontier = [], {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found += sorted(frontier)
    return [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            for pid in found if Path(f"/proc/{pid}/cmdline").exists()]


@pytest.fixture(scope="module")
def before():
    return repository_state()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """grade(name): the results of `python -m grader` on a cheat, graded once per module
    (the numerical ones are the suite's slowest grades)."""
    done = {}

    def grade(name):
        if name not in done:
            folder = tmp_path_factory.mktemp(name)
            for other, text in cheats.CHEATS[name].files.items():
                (folder / "submission").mkdir(exist_ok=True)
                (folder / "submission" / other).write_text(text, encoding="utf-8")
            done[name] = grade_source(cheats.source(name), folder)
        return done[name]

    return grade


@pytest.mark.parametrize("name", sorted(cheats.CHEATS))
def test_a_cheat_earns_what_its_honest_work_deserves(name, graded, before):
    results = graded(name)
    failed = [(c.name, c.output[:200]) for c in results.checks if not c.passed]
    assert results.score == cheats.expected(name), failed
    assert repository_state() == before and descendants() == []


QUIET = "rules: importing backprop.py trains nothing and prints nothing"


@pytest.mark.parametrize("name, seen", [("forges_the_load_answer", "draws 1 figure"),
                                        ("writes_to_fd_one_at_import", "epoch 1: loss 0.25")])
def test_drawing_or_printing_at_import_is_seen_whatever_the_answer_says(name, seen, tmp_path):
    """The figure left open and what descriptor 1 received are the worker's main thread's
    to report: an answer the submission rewrites, or a print past sys.stdout, hides
    neither (the quiet-import check itself: the bonus makes its points up in the total)."""
    quiet = by_name(grade_source(cheats.source(name), tmp_path))[QUIET]
    assert not quiet.passed and quiet.score == 0 and seen in quiet.output


def test_numerical_differentiation_loses_backward_by_the_rule(graded):
    results = graded("numerical_backward")
    backward = [c for c in results.checks if c.group == "backward"]
    assert backward and all(c.score == 0 for c in backward)
    assert all("must not evaluate the network at parameters other than" in c.output
               for c in backward)
    assert all(c.passed for c in results.checks if c.group == "convergence")


def test_the_students_own_modules_and_threads_of_numpy_are_no_cheat(tmp_path):
    """The honest side: a helper module of the student's own (no installed package has
    its name) is allowed and scanned, and the reference with it keeps full marks."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "lab_helpers.py").write_text("import math\n\nSCALE = math.sqrt(4.0)\n",
                                           encoding="utf-8")
    results = grade_source(cheats.solution_with((None, "import lab_helpers"))(), tmp_path)
    failed = [(c.name, c.output[:200]) for c in results.checks if not c.passed]
    assert results.score == cheats.expected("walks_to_the_worker"), failed  # the solution's


SAVES_PDF_AND_PNG = """
import io as _io
from matplotlib.figure import Figure as _Figure
_figure = _Figure()
_figure.add_subplot().plot([0, 1], [1, 0])
for _format in ("pdf", "png"):
    _figure.savefig(_io.BytesIO(), format=_format)
"""


def test_matplotlibs_own_imports_are_no_cheat(tmp_path):
    """The honest side of the run-time import rule: saving a figure as PDF and PNG makes
    matplotlib import PIL and fontTools (hidden from the submission while it runs) and
    try packages it can do without; none of that is the submission's import."""
    results = grade_source(cheats.solution_with((cheats.SHOW_RESULT, SAVES_PDF_AND_PNG))(),
                           tmp_path)
    failed = [(c.name, c.output[:200]) for c in results.checks if not c.passed]
    assert results.score == cheats.expected("walks_to_the_worker"), failed  # the solution's


def test_a_helper_module_that_imports_a_framework_breaks_the_rule(tmp_path):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "lab_helpers.py").write_text("try:\n    import torch\nexcept ImportError:\n"
                                           "    torch = None\n", encoding="utf-8")
    results = grade_source(cheats.solution_with((None, "import lab_helpers"))(), tmp_path)
    assert results.score == 0 and results.broken_rules
    assert any("torch" in c.output and "lab_helpers.py" in c.output
               for c in results.broken_rules)


@pytest.mark.serial  # a regrade of every cheat: the machine's cores for its timeouts
def test_a_regrade_gives_each_cheat_its_deserved_score(tmp_path, before):
    for name, cheat in cheats.CHEATS.items():
        write(tmp_path / "class" / name, cheats.source(name))
        for other, text in cheat.files.items():
            (tmp_path / "class" / name / other).write_text(text, encoding="utf-8")
    table = regrade(tmp_path / "class", out=tmp_path / "out")
    assert {name: table[name]["total"] for name in cheats.CHEATS} == \
        {name: f"{cheats.expected(name, regrade=True):g}" for name in cheats.CHEATS}
    assert repository_state() == before and descendants() == []

"""A regrade where every escape sits beside three copies of the solution and two of the
starter: each gets its row with the grade it deserves, the honest ones are unchanged, the
repository is the same afterwards and nothing is left running."""

import shutil
import subprocess
import sys

import pytest

from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from tests.grading import bonus_total
from tests.submissions import escapes
from tests.test_regrade import regrade, rows
from tests.test_sandbox import TOKEN, leftover_processes, needs_bwrap, repository_state

SOLUTIONS = ("sol_a", "sol_b", "sol_c")
STARTERS = ("start_a", "start_b")
FULL_MARKS = f"{bonus_total(110, 110, 4):g}"  # with the hidden checks: 110, and 4 bonus
# The class of escapes runs alone (serial): every process of the machine is looked at,
# and honest code must beat --timeout 3.
serial = pytest.mark.serial


def class_of_escapes(root):
    for name in SOLUTIONS:
        shutil.copytree(SOLUTION_DIR, root / name)
    for name in STARTERS:
        shutil.copytree(STARTER_DIR, root / name)
    for name in escapes.ESCAPES:
        (root / name).mkdir()
        (root / name / "backprop.py").write_text(escapes.source(name, TOKEN), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def regraded(tmp_path_factory):
    root = class_of_escapes(tmp_path_factory.mktemp("escapes"))
    out = tmp_path_factory.mktemp(f"out-escape{TOKEN}")
    before = repository_state()
    try:
        table = regrade(root, "--sandbox", "bwrap", out=out)
    finally:
        after = repository_state()
        if after[1] != before[1]:
            (SOLUTION_DIR / "backprop.py").write_bytes(before[1])
    return table, before, after, out


@serial
@needs_bwrap
def test_every_escape_gets_its_row_and_honest_grades_stay(regraded):
    table, _, _, _ = regraded
    assert set(table) == set(SOLUTIONS) | set(STARTERS) | set(escapes.ESCAPES)
    assert {table[name]["total"] for name in SOLUTIONS} == {FULL_MARKS}
    assert {table[name]["total"] for name in STARTERS} == {"0"}
    assert {row["isolation"] for row in table.values()} == {"bwrap"}
    for name, (kind, _) in escapes.ESCAPES.items():
        row = table[name]
        if kind == "zero":
            assert row["total"] == "0", (name, row)
        elif kind == "full":
            assert (row["total"], row["status"]) == (FULL_MARKS, "ok"), (name, row)
        elif kind == "integrity":
            assert row["status"] == "integrity" and "integrity: replaces" in row["flags"], row
            assert float(row["total"]) < float(FULL_MARKS)
    assert table["computed_import_at_import"]["flags"].startswith("rule: backprop.py imports "
                                                                  "scipy")


@serial
@needs_bwrap
def test_the_repository_and_the_output_are_untouched_and_nothing_runs(regraded):
    _, before, after, out = regraded
    assert after == before
    assert not (out / "grades.csv.partial").exists()
    assert not list(out.rglob(f"escape{TOKEN}"))
    assert leftover_processes() == []


@needs_bwrap
def test_nothing_passes_from_one_submission_to_the_next(tmp_path):
    """Graded one after the other in the same sandbox (one job): the second finds nothing
    the first wrote into /tmp, /dev/shm or next to its copy."""
    for name, text in (("a_leaves", escapes.LEAVES_A_NOTE), ("b_reads", escapes.READS_THE_NOTE)):
        (tmp_path / "class" / name).mkdir(parents=True)
        (tmp_path / "class" / name / "backprop.py").write_text(text.replace("TOKEN", TOKEN))
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", str(tmp_path / "class"), "--out", str(out),
         "--jobs", "1", "--sandbox", "bwrap", "--no-progress"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    table = rows(out)
    assert table["a_leaves"]["total"] == table["b_reads"]["total"] == FULL_MARKS, table

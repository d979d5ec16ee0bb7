"""Regrading a class: every row present, hostile code contained, honest grades unchanged,
nothing left running, reruns identical, shards that merge into the whole."""

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.sandbox.launch import ENTRY as WORKER
from tests.grading import bonus_total
from tests.submissions import hostile
from tests.submissions.mutants import MUTANTS, mutant_source
from tests.test_notebook_submissions import functions_notebook, graded_functions, template_notebook

HONEST_MUTANTS = ("backward_bias_averaged", "loss_mse_sum", "show_result_axes_swapped")
# The tests of the class with hostile code run alone (serial): every process of the machine
# is looked at, and honest code must beat its --timeout 3 (the endless loops' timeout). The
# honest classes are graded with the default timeout, beside other tests.
serial = pytest.mark.serial
HOSTILE_TIMEOUT = 3


def regrade(*arguments, out, timeout=HOSTILE_TIMEOUT):
    """grades.csv's rows after `grader regrade` (timeout: seconds a call may take; None:
    the grader's default)."""
    limit = ["--timeout", str(timeout)] if timeout else []
    result = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", *map(str, arguments), "--out", str(out),
         "--jobs", "2", *limit, "--no-progress"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return rows(out)


def rows(out):
    with (Path(out) / "grades.csv").open(newline="", encoding="utf-8-sig") as stream:
        return {row["submission"]: row for row in csv.DictReader(stream)}


def write(folder, text):
    folder.mkdir(parents=True)
    (folder / "backprop.py").write_text(text, encoding="utf-8")


def honest_class(root):
    """A class folder of honest submissions in every accepted form."""
    shutil.copytree(SOLUTION_DIR, root / "alice")
    shutil.copy(STARTER_DIR / "backprop.py", root / "bob.py")
    for name in HONEST_MUTANTS:
        write(root / name, mutant_source(next(m for m in MUTANTS if m.name == name)))
    nbformat.write(functions_notebook(), str(root / "erin.ipynb"))
    with zipfile.ZipFile(root / "DL_LAB1_0756110_Lee.zip", "w") as archive:
        archive.write(SOLUTION_DIR / "backprop.py", "DL_LAB1_0756110/code/backprop.py")
        archive.writestr("DL_LAB1_0756110/report.pdf", b"%PDF-1.4")
    return root


@pytest.fixture(scope="module")
def marker(tmp_path_factory):
    return tmp_path_factory.mktemp("marker") / "detached.pid"


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory, marker):
    root = honest_class(tmp_path_factory.mktemp("class"))
    for name in hostile.ATTACKS:
        write(root / f"hostile_{name}", hostile.source(name, marker))
    (root / "DL_LAB1_0000000_Broken.zip").write_bytes(b"this is not a zip")
    (root / "no_code").mkdir()
    (root / "no_code" / "report.pdf").write_bytes(b"%PDF-1.4")
    with zipfile.ZipFile(root / "...zip", "w") as archive:  # no way into the parent of --out
        archive.write(SOLUTION_DIR / "backprop.py", "backprop.py")
    for folder, name in (("linked", "backprop.py"), ("linked_notebook", "lab1.ipynb")):
        (root / folder).mkdir()  # a link to the course's solution
        os.symlink(os.path.relpath(SOLUTION_DIR / "backprop.py", root / folder),
                   root / folder / name)
    return root


@pytest.fixture(scope="module")
def runs(class_folder, tmp_path_factory):
    """Two regrades of the same class, into two folders."""
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    return regrade(class_folder, out=first), regrade(class_folder, out=second), first, second


@pytest.fixture(scope="module")
def honest_alone(class_folder, tmp_path_factory):
    root = honest_class(tmp_path_factory.mktemp("honest"))
    return regrade(root, out=tmp_path_factory.mktemp("honest-out"), timeout=None)


def without_flags(row):
    """A row less its flags (which name the neighbours a copy resembles), its content
    hash and its hand-in time (a zip built again has other timestamps)."""
    return {column: value for column, value in row.items()
            if column not in ("flags", "hash", "handed_in")}


def test_shards_merge_into_the_whole(tmp_path, honest_alone):
    """First in the file: it grades the honest class (honest_alone) beside other tests."""
    root = honest_class(tmp_path / "class")
    parts = []
    for index in (1, 2):
        out = tmp_path / f"shard{index}"
        subprocess.run([sys.executable, "-m", "grader", "regrade", str(root), "--out", str(out),
                        "--shard", f"{index}/2", "--no-progress"], cwd=REPO_ROOT, check=True,
                       capture_output=True, timeout=300)
        parts.append(out)
    assert 0 < len(rows(parts[0])) < len(honest_alone)
    merged = tmp_path / "merged"
    subprocess.run([sys.executable, "-m", "grader", "merge", *map(str, parts), "--out",
                    str(merged)], cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
    assert {name: without_flags(row) for name, row in rows(merged).items()} == \
        {name: without_flags(row) for name, row in honest_alone.items()}
    assert [row["flags"] for row in rows(merged).values()] == \
        [row["flags"] for row in honest_alone.values()]
    assert (merged / "alice" / "results.json").exists()


@serial
def test_every_submission_has_a_row(runs, class_folder):
    table = runs[0]
    expected = {path.stem if path.suffix in (".py", ".zip", ".ipynb") else path.name
                for path in class_folder.iterdir()} - {".."} | {"submission"}
    assert set(table) == expected
    assert table["submission"]["total"] == FULL_MARKS  # the hand-in called "...zip"
    for out in runs[2:]:
        assert not {"results.json", "feedback.md", "backprop.py"} & {
            path.name for path in out.parent.iterdir()}
    for name in ("linked", "linked_notebook"):
        assert (table[name]["status"], table[name]["total"]) == ("integrity", "0"), name
        assert "never followed" in table[name]["reason"]
    assert (table["DL_LAB1_0756110_Lee"]["student_id"], table["DL_LAB1_0756110_Lee"]["name"]) \
        == ("0756110", "Lee")
    assert table["DL_LAB1_0000000_Broken"]["status"] == "error"
    assert "is not a readable archive" in table["DL_LAB1_0000000_Broken"]["reason"]
    assert table["DL_LAB1_0000000_Broken"]["max_score"] == "110"
    assert table["no_code"]["status"] == "error" and table["no_code"]["total"] == "0"
    assert "no backprop.py" in table["no_code"]["reason"]


FULL_MARKS = f"{bonus_total(110, 110, 4):g}"  # 110 with the hidden checks, and 4 bonus


@serial
def test_honest_grades_are_unaffected_by_hostile_neighbours(runs, honest_alone):
    for name, row in honest_alone.items():
        assert without_flags(runs[0][name]) == without_flags(row), name
    alice = honest_alone["alice"]
    assert (alice["total"], alice["max_score"], alice["public"], alice["hidden"],
            alice["bonus"]) == (FULL_MARKS, "110", "100", "10", "4")
    assert honest_alone["DL_LAB1_0756110_Lee"]["total"] == FULL_MARKS
    assert honest_alone["erin"]["total"] == FULL_MARKS  # a notebook
    assert honest_alone["bob"]["total"] == "0"
    assert all(0 < float(honest_alone[name]["total"]) < 110 for name in HONEST_MUTANTS)


@serial
@pytest.mark.parametrize("name", sorted(hostile.ATTACKS))
def test_hostile_code_earns_nothing_from_its_attack(runs, name):
    row = runs[0][f"hostile_{name}"]
    attacked, _ = hostile.ATTACKS[name]
    if attacked == "nothing":
        assert row["total"] == FULL_MARKS  # the attack changed nothing; the rest is the solution
    elif attacked == "quiet_import":  # the rest is the solution, graded without the attack
        rules = next(column for column in row if column.startswith("rules/"))
        assert row[rules] == "0" and row["total"] == f"{bonus_total(108, 110, 4):g}"
    else:
        group = next(column for column in row if column.startswith(f"{attacked}/"))
        assert row[group] == "0" and float(row["total"]) < 110


@serial
def test_statuses_name_what_happened(runs):
    table = runs[0]
    assert table["hostile_loop_in_forward"]["status"] == "timeout"
    assert table["hostile_ignores_sigterm"]["status"] == "timeout"
    assert table["hostile_memory_bomb_in_forward"]["status"] == "memory"
    assert table["hostile_exit_at_import"]["status"] == "ok"  # graded from its definitions
    assert table["hostile_os_exit_in_backward"]["status"] == "error"
    assert table["alice"]["status"] == "ok"


@serial
def test_fake_result_files_change_nothing(runs):
    _, _, first, _ = runs
    results = (first / "hostile_fake_results_at_import" / "results.json").read_text()
    assert '"tests": []' not in results and rows(first)["alice"]["total"] == FULL_MARKS


@serial
def test_no_process_is_left_behind(runs, marker):
    if marker.exists():  # written only without the sandbox (see tests/test_sandbox.py)
        pid = int(marker.read_text())
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    leftovers = []
    for proc in Path("/proc").iterdir():
        try:
            if str(WORKER).encode() in (proc / "cmdline").read_bytes():
                leftovers.append(proc.name)
        except OSError:
            continue
    assert leftovers == []


@serial
def test_a_rerun_gives_an_identical_grade_sheet(runs):
    _, _, first, second = runs
    assert (first / "grades.csv").read_bytes() == (second / "grades.csv").read_bytes()


@serial
def test_outputs_for_each_submission_and_the_class(runs):
    _, _, first, _ = runs
    assert (first / "alice" / "show_result.png").exists()
    assert (first / "alice" / "feedback.md").exists()
    summary = (first / "summary.md").read_text()
    assert "median" in summary and "For review" in summary
    assert "identical to the starter" in summary  # bob
    assert (first / "histogram.png").read_bytes().startswith(b"\x89PNG")
    results = (first / "alice" / "results.json").read_text()
    assert '"visibility": "hidden"' in results


@serial
def test_resume_skips_finished_rows(runs, class_folder):
    _, _, first, _ = runs
    before = (first / "grades.csv").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", str(class_folder), "--out", str(first),
         "--resume", "--no-progress"], cwd=REPO_ROOT, capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stderr
    assert (first / "grades.csv").read_bytes() == before




def test_notebooks_handed_in_alone_are_graded_on_their_cells(tmp_path):
    """Moodle-style zips holding only the template's notebook, its functions filled in."""
    solution = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    starter = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")
    for name, source in (("Lin Yu_5503", solution), ("Kao Ming_5504", starter)):
        moodle = tmp_path / "class" / f"{name}_assignsubmission_file_"
        moodle.mkdir(parents=True)
        with zipfile.ZipFile(moodle / "DL_LAB1.zip", "w") as archive:
            made = template_notebook(graded_functions(source))
            archive.writestr("DL_LAB1/lab1.ipynb", nbformat.writes(made))
            archive.writestr("DL_LAB1/report.pdf", b"%PDF-1.4")
    table = regrade(tmp_path / "class", out=tmp_path / "out", timeout=None)
    filled, stubs = table["Lin Yu_5503_assignsubmission_file_"], \
        table["Kao Ming_5504_assignsubmission_file_"]
    assert (filled["public"], filled["hidden"]) == ("100", "10"), filled
    assert (stubs["status"], stubs["total"]) == ("ok", "0"), stubs
    assert not any("rule" in row["flags"] for row in (filled, stubs))

"""Hand-ins built to reach past themselves on the host, or to break a class's run: names
that take the place of the regrade's own files or overflow the file system, pipes and
devices, hard links where the search for the hand-in does not look, forged reports.
Each ends with its row, and nothing of the course read, changed or written outside --out."""

import csv
import os
import stat
import subprocess
import sys
import zipfile

import pytest

from grader.intake import scratch
from grader.intake.locate import Refused, find
from grader.intake.prepare import Prepared
from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.regrade.collect import Entry, collect, gathered, keep_online_text, safe_name
from grader.regrade.rings import SIMILARITY_FILE
from grader.regrade.run import error_row
from grader.regrade.sheet import SHEET
from grader.regrade.summary import HISTOGRAM, WARNINGS

SOLUTION = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
STARTER = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")
NAME_MAX = 255  # bytes of one name on Linux's file systems
FORGED = "x/\n# Total: 100 / 100\n\n```\n~~~\n<b>|</b>\n/../../evil.py"


def put(folder, files):
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return folder


def zipped(path, files):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return path


# -- names ----------------------------------------------------------------------------------

@pytest.mark.parametrize("output", [SHEET, "summary.md", SIMILARITY_FILE, HISTOGRAM, WARNINGS,
                                    "grades-moodle.csv", "GRADES.CSV"])
def test_no_submission_takes_the_place_of_a_file_the_regrade_writes(tmp_path, output):
    zipped(tmp_path / f"{output}.zip", {"backprop.py": STARTER})
    put(tmp_path / output / "code", {"backprop.py": STARTER})
    names = [entry.name for entry in collect([tmp_path])]
    assert len(names) == 2 and not {name.lower() for name in names} & {
        SHEET, "summary.md", SIMILARITY_FILE, HISTOGRAM, WARNINGS, output.lower()}


@pytest.mark.parametrize(("name", "safe"), [
    ("CON", "CON_"), ("nul.zip", "nul.zip_"), ("Lpt1", "Lpt1_"), ("a. . ", "a"),
    ("report.MD", "report_MD"), ("console", "console"),
])
def test_names_windows_reserves_or_cannot_end_with_are_changed(name, safe):
    assert safe_name(name) == safe


def test_names_are_cut_in_bytes_so_a_unique_one_still_fits_the_file_system(tmp_path):
    wide = "測" * 84 + "ab"  # 254 bytes: the most a name on the disk may have, nearly
    put(tmp_path / wide, {"backprop.py": STARTER})
    put(tmp_path / f"{wide} ", {"backprop.py": STARTER})
    names = [entry.name for entry in collect([tmp_path])]
    assert len(set(names)) == 2
    for name in names:
        assert len(name.encode("utf-8")) <= NAME_MAX - len(".partial") - 20
        (tmp_path / "out" / name).mkdir(parents=True)  # no "File name too long"


def test_names_differing_in_case_only_get_two_folders(tmp_path):
    put(tmp_path / "Alice", {"backprop.py": STARTER})
    put(tmp_path / "alice", {"backprop.py": STARTER})
    assert [entry.name.casefold() for entry in collect([tmp_path])] == ["alice", "alice-2"]


def test_an_online_text_of_the_longest_name_is_kept_beside_the_feedback(tmp_path):
    online = put(tmp_path / "Vic_888_assignsubmission_onlinetext_",
                 {"v" * 250 + ".html": "<p>report</p>"})
    out = put(tmp_path / "out", {})
    notes = keep_online_text(Entry("vic", tmp_path, online_text=(online,)), out)
    kept, = out.iterdir()
    assert kept.suffix == ".html" and kept.read_text() == "<p>report</p>"
    assert kept.name in notes[0][1]


def test_a_hard_link_in_an_online_text_is_never_read(tmp_path):
    course = put(tmp_path / "course", {"secret.txt": "the course's"}) / "secret.txt"
    online = put(tmp_path / "Vic_888_assignsubmission_onlinetext_", {"a.html": "<p>a</p>"})
    os.link(course, online / "b.html")
    out = put(tmp_path / "out", {})
    keep_online_text(Entry("vic", tmp_path, online_text=(online,)), out)
    assert [p.read_text() for p in out.iterdir()] == ["<p>a</p>"]


# -- what is copied -----------------------------------------------------------------------

def moodle_twins(root, second):
    """Two hand-ins of one Moodle participant: the starter, and `second` (a function
    filling the other folder)."""
    put(root / "Uma Lee_777_assignsubmission_file_", {"backprop.py": STARTER})
    second(put(root / "Uma Lee_777_assignsubmission_file_b", {}))
    entry, = collect([root])
    assert len(entry.extra) == 1
    return entry


def test_pipes_and_devices_among_a_students_hand_ins_are_never_read(tmp_path):
    def specials(folder):
        os.mkfifo(folder / "pipe.py")  # opening it to copy would block
        if os.geteuid() == 0:  # reading /dev/zero to copy it would never end
            os.mknod(folder / "zero.bin", stat.S_IFCHR | 0o600, os.makedev(1, 5))

    entry = moodle_twins(tmp_path / "class", specials)
    folder = gathered(entry, tmp_path / "gathered")
    copied = {p.name for p in folder.rglob("*")}
    assert "backprop.py" in copied and not {"pipe.py", "zero.bin"} & copied
    with Prepared(folder) as prepared:
        assert prepared.problem is None and prepared.code == STARTER


def test_a_hard_link_among_a_students_hand_ins_is_refused_not_copied(tmp_path):
    course = put(tmp_path / "course", {"backprop.py": SOLUTION}) / "backprop.py"
    entry = moodle_twins(tmp_path / "class",
                         lambda folder: os.link(course, folder / "backprop.py"))
    with pytest.raises(Refused, match="hard link"):
        find(gathered(entry, tmp_path / "gathered"))


def test_a_hard_link_in_an_environment_folder_is_left_out_of_the_copy(tmp_path):
    course = put(tmp_path / "course", {"backprop.py": SOLUTION}) / "backprop.py"
    folder = put(tmp_path / "student", {"backprop.py": STARTER, "env/pyvenv.cfg": "home =\n"})
    os.link(course, folder / "env" / "solution.txt")  # the search skips environments
    with Prepared(folder) as prepared:
        assert prepared.problem is None
        assert (prepared.path.parent / "env" / "pyvenv.cfg").is_file()
        assert not (prepared.path.parent / "env" / "solution.txt").exists()


# -- what is written --------------------------------------------------------------------------

def test_a_reason_quoting_the_hand_in_is_fenced_in_its_feedback(tmp_path):
    row = error_row(Entry("erin", tmp_path), f"erin.zip holds {FORGED}", tmp_path / "out")
    feedback = (tmp_path / "out" / "erin" / "feedback.md").read_text()
    outside = [line for line in feedback.splitlines()[1:] if line.startswith("#")]
    fence = feedback.splitlines()[2]
    assert outside == [] or all(feedback.index(line) > feedback.index(fence) for line in outside)
    assert feedback.count(fence) == 2 and len(fence) > 3 and FORGED in feedback
    assert row["reason"].endswith(FORGED)


def test_a_row_is_kept_where_its_feedback_cannot_be_written(tmp_path):
    put(tmp_path / "out", {"erin": "a file where the folder would be"})
    row = error_row(Entry("erin", tmp_path), "grading took over 300 s", tmp_path / "out")
    assert row["status"] == "error" and row["submission"] == "erin"
    assert "could not be written" in row["reason"]


# -- a whole class -------------------------------------------------------------------------

@pytest.mark.serial
def test_a_class_of_name_attacks_keeps_every_row_and_writes_only_under_out(tmp_path):
    root = tmp_path / "class"
    zipped(put(root, {}) / "grades.csv.zip", {"backprop.py": STARTER})
    put(root / "summary.md", {"backprop.py": STARTER})
    put(root / ("測" * 84 + "ab"), {"backprop.py": STARTER})
    put(root / ("測" * 84 + "ab "), {"backprop.py": STARTER})
    zipped(root / "erin.zip", {FORGED: "x", "backprop.py": SOLUTION})
    put(root / "zz_honest", {"backprop.py": SOLUTION})
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "grader", "regrade", str(root), "--out", str(out), "--jobs", "2",
         "--no-progress"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    with (out / SHEET).open(newline="", encoding="utf-8-sig") as stream:
        rows = {row["submission"]: row for row in csv.DictReader(stream)}
    assert len(rows) == 6
    assert float(rows["zz_honest"]["total"]) >= 100
    assert rows["erin"]["status"] == "integrity" and rows["erin"]["total"] == "0"
    assert "a path outside the archive" in rows["erin"]["reason"]
    for report in ("summary.md", "erin/feedback.md"):
        lines = (out / report).read_text(encoding="utf-8").splitlines()
        assert not any(line.startswith(("# Total", "~~~", "<b>")) for line in lines)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")
                  if not p.is_relative_to(out)) == before


# -- python -m grader's --out ----------------------------------------------------------------

def grade_command(folder, *arguments):
    return subprocess.run([sys.executable, "-m", "grader", ".", *arguments], cwd=folder,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})


def test_an_out_folder_the_checkout_links_elsewhere_is_refused_before_any_write(tmp_path):
    elsewhere = put(tmp_path / "elsewhere", {})
    student = put(tmp_path / "student", {"backprop.py": STARTER, "results/keep": ""})
    (student / "grading-output").symlink_to(elsewhere)  # committed by the student
    (student / "results" / "out").symlink_to(elsewhere)
    for out in ("grading-output", "grading-output/deeper", "results/out"):
        result = grade_command(student, "--out", out, "--json", "copy.json")
        assert result.returncode == 2 and "is a link" in result.stderr, result.stderr
    assert list(elsewhere.iterdir()) == [] and not (student / "copy.json").exists()


def test_an_out_folder_inside_the_submission_changes_nothing_else_of_it(tmp_path):
    student = put(tmp_path / "student", {"backprop.py": SOLUTION})
    put(student / "grading-output", {})
    (student / "grading-output" / "feedback.md").symlink_to(SOLUTION_DIR / "backprop.py")
    (student / "grading-output" / "show_result.png").symlink_to(SOLUTION_DIR / "lab1.ipynb")
    victim = put(tmp_path / "elsewhere", {"victim.json": "untouched"}) / "victim.json"
    (student / "results.json").symlink_to(victim)  # where --json will write
    course = {p: p.read_bytes() for p in SOLUTION_DIR.iterdir() if p.is_file()}
    for _ in range(2):  # the second grade copies the first one's results with the code
        result = grade_command(student, "--out", "grading-output", "--json", "results.json")
        assert result.returncode == 0, result.stderr[-2000:]
    assert {p: p.read_bytes() for p in SOLUTION_DIR.iterdir() if p.is_file()} == course
    assert victim.read_text() == "untouched" and not (student / "results.json").is_symlink()
    out = student / "grading-output"
    assert not any(p.is_symlink() for p in out.iterdir())
    assert sorted(p.name for p in student.iterdir()) == ["backprop.py", "grading-output",
                                                         "results.json"]
    assert "Total: 1" in (out / "feedback.md").read_text()


# -- archives' bombs ----------------------------------------------------------------------

def test_data_a_tar_member_of_any_type_declares_is_counted_in_the_budget(tmp_path):
    import io
    import tarfile

    from grader.intake.archives import BadArchive, Budget, unpack

    path = tmp_path / "hand-in.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo("data")  # of a type tarfile does not know: read past
        info.type, info.size = b"Z", 2 << 20
        archive.addfile(info, io.BytesIO(bytes(info.size)))
        info = tarfile.TarInfo("backprop.py")
        info.size = len(STARTER.encode())
        archive.addfile(info, io.BytesIO(STARTER.encode()))
    with pytest.raises(BadArchive, match="unpacks to more than"):
        unpack(path, tmp_path / "small", Budget(bytes=1 << 20))
    assert (unpack(path, tmp_path / "large").folder / "backprop.py").read_text() == STARTER


def test_a_zip_link_member_is_never_read_whole(tmp_path):
    import tracemalloc

    from grader.intake.handin import open_handin

    info = zipfile.ZipInfo("backprop.py")
    info.external_attr, info.compress_type = (stat.S_IFLNK | 0o777) << 16, zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w") as archive:
        archive.writestr(info, b"../../\n" + bytes(64 << 20))  # 64 MB of a link's "target"
    tracemalloc.start()
    with pytest.raises(Refused) as refused:
        open_handin(tmp_path / "bomb.zip", put(tmp_path / "staging", {}))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 8 << 20 and "\x00" not in str(refused.value) and "\n" not in str(refused.value)


def test_a_regrades_out_inside_the_class_folder_is_no_submission(tmp_path):
    root = put(tmp_path / "class", {"alice/backprop.py": STARTER, "bob.py": STARTER,
                                    "results/alice/submitted_code.py": STARTER})
    assert [entry.name for entry in collect([root], out=root / "results")] == ["alice", "bob"]
    assert [entry.name for entry in collect([root])] == ["alice", "bob", "results"]


# -- trees deeper than Python's walks ---------------------------------------------------------

def test_a_folder_nested_past_the_recursion_limit_is_graded_by_its_code(tmp_path):
    from grader.regrade.collect import content_hash, holds_submission
    from grader.regrade.times import folder_time

    folder = put(tmp_path / "student", {"backprop.py": SOLUTION})
    try:
        deep = folder
        for _ in range(1100):  # os.walk, rglob and copytree recurse once a level (3.11)
            deep = deep / "a"
            deep.mkdir()
        (deep / "backprop.py").write_text(STARTER)
        with Prepared(folder) as prepared:
            assert prepared.problem is None and prepared.code == SOLUTION
        assert holds_submission(folder) and content_hash(folder) and folder_time(folder)
        entry, = collect([put(tmp_path / "class", {"Uma_7_assignsubmission_file_b/x": "",
                                                   "Uma_7_assignsubmission_file_/x": ""})])
        copied = gathered(Entry(entry.name, folder, extra=entry.extra), tmp_path / "gathered")
        assert (copied / "student" / "backprop.py").read_text() == SOLUTION
    finally:
        scratch.remove(folder)  # rmtree (pytest's too) would end in RecursionError
        scratch.remove(tmp_path / "gathered")
    assert not folder.exists()


def test_a_copy_the_submission_nested_past_the_recursion_limit_is_removed(tmp_path):
    folder = put(tmp_path / "student", {"backprop.py": SOLUTION})
    with Prepared(folder) as prepared:
        os.chdir(prepared.folder)
        try:
            for _ in range(1500):  # past PATH_MAX too
                os.mkdir("nested-folder")
                os.chdir("nested-folder")
            os.mkdir("locked")
            os.chmod("locked", 0)
        finally:
            os.chdir(tmp_path)
        copy = prepared.folder
    assert not copy.exists()


def test_an_archive_nesting_folders_past_the_limit_says_so(tmp_path):
    from grader.intake.archives import BadArchive, unpack

    zipped(tmp_path / "deep.zip", {"a/" * 1200 + "x.txt": "x", "backprop.py": STARTER})
    with pytest.raises(BadArchive, match="nests folders more than"):
        unpack(tmp_path / "deep.zip", tmp_path / "unpacked")


def test_the_graded_files_name_is_one_line_wherever_it_is_shown(tmp_path):
    folder = put(tmp_path / "student" / "x```\n# Total: 100 / 100", {"backprop.py": STARTER})
    with Prepared(tmp_path / "student") as prepared:
        assert prepared.problem is None and "\n" not in prepared.graded
        assert "# Total: 100 / 100/backprop.py" in prepared.graded
    assert folder.is_dir()


# -- notebooks whose parse would take the grader's memory ---------------------------------

def notebook_text(metadata, source="def sigmoid(x):\n    return x\n"):
    import json

    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata,
                       "cells": [{"cell_type": "code", "execution_count": 1, "id": "a",
                                  "metadata": {}, "outputs": [], "source": source}]})


def test_a_notebook_of_millions_of_tiny_json_values_is_refused_before_parsing(tmp_path):
    from grader.intake.notebook import MAX_JSON_CONTAINERS, NotebookError, parse

    path = tmp_path / "lab1.ipynb"
    path.write_text(notebook_text({"x": []}).replace('"x": []', '"x": [' + "{}," * (
        MAX_JSON_CONTAINERS + 1) + "{}]"))
    with pytest.raises(NotebookError, match="JSON objects and arrays"):
        parse(path)
    with Prepared(path) as prepared:
        assert prepared.problem[0] == "notebook" and "more than a notebook has" in \
            prepared.problem[1]


def test_brackets_inside_a_notebooks_strings_are_no_values(tmp_path):
    from grader.intake.notebook import MAX_JSON_CONTAINERS, parse

    path = tmp_path / "lab1.ipynb"
    path.write_text(notebook_text({"printed": '[{\\",}' * MAX_JSON_CONTAINERS}))
    assert parse(path)["cells"][0]["source"].startswith("def sigmoid")


def test_code_too_large_to_parse_safely_is_refused_with_its_size(tmp_path):
    from grader.intake.locate import LARGEST_CODE

    dense = "X = [" + "1," * (LARGEST_CODE // 2) + "]\n"  # half a GB of syntax tree a parse
    put(tmp_path / "py", {"backprop.py": STARTER + dense})
    put(tmp_path / "nb", {"lab1.ipynb": notebook_text({}, STARTER + dense)})
    for path in (tmp_path / "py", tmp_path / "py" / "backprop.py", tmp_path / "nb",
                 tmp_path / "nb" / "lab1.ipynb"):
        with Prepared(path) as prepared:
            assert prepared.problem is not None, path
            assert "too large" in prepared.problem[1] or "KB of code" in prepared.problem[1]
    put(tmp_path / "fits", {"backprop.py": SOLUTION, "lab1.ipynb": notebook_text({}, SOLUTION)})
    for name in ("backprop.py", "lab1.ipynb"):
        with Prepared(tmp_path / "fits" / name) as prepared:
            assert prepared.problem is None and "def backward" in prepared.code

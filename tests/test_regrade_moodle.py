"""A class as Moodle's "Download all submissions" hands it over, built here from the corpus:
hand-ins under other names, a zip in the hand-in zip, two zips in one folder, online
text beside a file, a notebook without backprop.py, a Big5 file, tar.gz, 7z and RAR, a link
to the solution, online text alone, no code at all. Every student whose code is in the
download gets the score it earns, the row says what a TA must know, and the Moodle
export takes the class as downloaded."""

import io
import os
import tarfile
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.paths import SOLUTION_DIR, STARTER_DIR
from tests.submissions.mutants import MUTANTS, mutant_source
from tests.test_handins import rar_bytes
from tests.test_notebook_submissions import graded_functions, template_notebook
from tests.test_regrade_class import read_csv, read_rows, regrade, run

try:
    import libarchive  # 7z and RAR: where the system has libarchive
except Exception:  # noqa: BLE001 - without the system's library it fails in several ways
    libarchive = None
SOLUTION = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
STARTER = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")
BIAS_AVERAGED = mutant_source(next(m for m in MUTANTS if m.name == "backward_bias_averaged"))
STUDENTS = [("312551001", "Chen Wei"), ("312551002", "Lin Yu"), ("312551003", "Wang Xiao"),
            ("312551004", "Lin Hao"), ("312551005", "Huang Mei"), ("312551006", "Tsai Yu"),
            ("312551007", "Kao Ming"), ("312551008", "Wu Fang"), ("312551009", "Lee Jun"),
            ("312551010", "Hsu Ting"), ("312551011", "Liu An"), ("312551012", "Chou Lan")]


# The students in the download: the 7z and RAR hand-ins only where libarchive reads them.
PRESENT = [n for n in range(1, len(STUDENTS) + 1) if libarchive or n not in (8, 12)]


def folder(root, number, plugin="file"):
    """The folder Moodle writes for student `number` (1-based) and a submission plugin."""
    name = STUDENTS[number - 1][1]
    path = root / f"{name}_{4400 + number}_assignsubmission_{plugin}_"
    path.mkdir()
    return path


def zip_bytes(files, stamp=(2026, 10, 1, 12, 0, 0)):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content)
    return buffer.getvalue()


def build_download(root):
    (folder(root, 1) / "DL_LAB1_312551001_ChenWei.zip").write_bytes(
        zip_bytes({"code/Backprop.py": SOLUTION, "report.pdf": b"%PDF"}))
    (folder(root, 2) / "backprop (1).py").write_text(SOLUTION)
    (folder(root, 3) / "DL_LAB1_312551003_Wang.zip").write_bytes(zip_bytes(
        {"DL_LAB1_312551003/DL_LAB1_312551003.zip": zip_bytes({"backprop.py": BIAS_AVERAGED}),
         "report.pdf": b"%PDF"}))
    lin = folder(root, 4)
    (lin / "DL_LAB1_312551004_LinHao.zip").write_bytes(
        zip_bytes({"backprop.py": STARTER}, stamp=(2026, 10, 1, 9, 0, 0)))
    (lin / "DL_LAB1_312551004_LinHao v2.zip").write_bytes(
        zip_bytes({"backprop.py": SOLUTION}, stamp=(2026, 10, 3, 9, 0, 0)))
    (folder(root, 4, "onlinetext") / "onlinetext.html").write_text("<p>v2 is the one</p>")
    nbformat.write(template_notebook(graded_functions(SOLUTION)),
                   str(folder(root, 5) / "lab1.ipynb"))
    (folder(root, 6) / "backprop.py").write_bytes(
        ("# 反向傳播：每一層的梯度\n" + SOLUTION).encode("big5"))
    with tarfile.open(folder(root, 7) / "DL_LAB1_312551007.tar.gz", "w:gz") as archive:
        info = tarfile.TarInfo("DL_LAB1_312551007/backprop.py")
        info.size = len(SOLUTION.encode())
        archive.addfile(info, io.BytesIO(SOLUTION.encode()))
    if libarchive is not None:
        with libarchive.file_writer(str(folder(root, 8) / "DL_LAB1_312551008.7z"),
                                    "7zip") as out:
            out.add_file_from_memory("backprop.py", len(SOLUTION.encode()), SOLUTION.encode())
        (folder(root, 12) / "DL_LAB1_312551012.rar").write_bytes(
            rar_bytes("DL_LAB1_312551012/backprop.py", SOLUTION.encode()))
    lee = folder(root, 9)
    os.symlink(os.path.relpath(SOLUTION_DIR / "backprop.py", lee), lee / "backprop.py")
    (folder(root, 10, "onlinetext") / "onlinetext.html").write_text("<p>I could not upload</p>")
    liu = folder(root, 11)
    (liu / "report.pdf").write_bytes(b"%PDF")
    (liu / "notes.txt").write_text("todo")
    return root


@pytest.fixture(scope="module")
def download(tmp_path_factory):
    root = build_download(tmp_path_factory.mktemp("download"))
    roster = root.parent / "roster.csv"
    roster.write_text("id,name\n" + "".join(f"{STUDENTS[n - 1][0]},{STUDENTS[n - 1][1]}\n"
                                            for n in PRESENT))
    out = tmp_path_factory.mktemp("out")
    result = regrade(root, out, "--roster", roster)
    return root, out, read_rows(out), result.stderr


def row_of(table, number):
    student_id = STUDENTS[number - 1][0]
    rows = [row for row in table.values() if row["student_id"] == student_id]
    assert len(rows) == 1, (student_id, rows)
    return rows[0]


def test_one_row_per_student_with_the_participant_of_the_folder(download):
    _, _, table, _ = download
    assert len(table) == len(PRESENT)
    for number in PRESENT:
        row = row_of(table, number)
        assert (row["name"], row["participant"]) == (STUDENTS[number - 1][1], str(4400 + number))


def test_every_student_whose_code_is_there_gets_what_it_earns(download):
    _, _, table, _ = download
    full = row_of(table, 1)["total"]
    assert float(full) > 100
    for number in {1, 2, 4, 6, 7, 8, 12} & set(PRESENT):
        assert (row_of(table, number)["status"], row_of(table, number)["total"]) == \
            ("ok", full), number
    wang = row_of(table, 3)
    assert wang["status"] == "ok" and 0 < float(wang["total"]) < float(full)
    huang = row_of(table, 5)
    assert huang["status"] == "ok" and float(huang["public"]) > 50


def test_the_reason_says_what_a_ta_must_know(download):
    _, out, table, _ = download
    expected = {
        1: ("found under another name", "graded code/Backprop.py"),
        2: ("found under another name", "graded backprop (1).py"),
        3: ("found in a nested archive", "DL_LAB1_312551003/DL_LAB1_312551003.zip, an archive "
                                         "inside DL_LAB1_312551003_Wang.zip"),
        4: ("several archives", "opened the latest, DL_LAB1_312551004_LinHao v2.zip "
                                "(2026-10-03 09:00); not graded: DL_LAB1_312551004_LinHao.zip"),
        5: ("given code stood in", "the starter's given code stood in"),
        6: ("not UTF-8", "backprop.py is not UTF-8: read as big5"),
    }
    for number, (flag, words) in expected.items():
        row = row_of(table, number)
        assert f"review: {flag}" in row["flags"], (number, row["flags"])
        assert words in row["reason"], (number, row["reason"])
    assert "review:" not in row_of(table, 7)["flags"]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    review = summary.split("## For review")[1].split("\n## ")[0]
    for number in expected:
        assert f"({STUDENTS[number - 1][0]} " in review, number
    assert "read as big5" in review and "given code stood in" in review


def test_a_link_to_the_solution_earns_nothing(download):
    _, _, table, _ = download
    lee = row_of(table, 9)
    assert (lee["status"], lee["total"]) == ("integrity", "0")
    assert "link" in lee["reason"] and "never followed" in lee["reason"]


def test_online_text_is_kept_with_the_student_and_never_a_submission(download):
    _, out, table, _ = download
    lin = row_of(table, 4)
    assert "online text is kept as online_text-1-onlinetext.html" in lin["reason"]
    kept = out / lin["submission"] / "online_text-1-onlinetext.html"
    assert kept.read_text() == "<p>v2 is the one</p>"
    hsu = row_of(table, 10)
    assert hsu["status"] == "error" and "it holds: onlinetext.html" in hsu["reason"]
    assert "online text is kept" in hsu["reason"]
    assert (out / hsu["submission"] / "online_text-1-onlinetext.html").is_file()
    liu = row_of(table, 11)
    assert liu["status"] == "error" and "it holds: notes.txt, report.pdf" in liu["reason"]


def test_the_moodle_export_takes_the_class_as_downloaded(download, tmp_path):
    _, out, table, _ = download
    result = run("export-grades", out, "--format", "moodle", "--out", tmp_path / "m.csv")
    rows = read_csv(tmp_path / "m.csv")
    grades = {row[0]: row[rows[0].index("Grade")] for row in rows[1:]}
    assert grades == {f"Participant {4400 + n}": row_of(table, n)["total"]
                      for n in PRESENT}
    assert "left out" not in result.stderr and "several" not in result.stderr


def test_no_warning_per_submission_and_no_link_in_the_outputs(download):
    _, out, table, stderr = download
    assert "warning:" not in stderr  # every student matched by ID or exact name
    assert {p.name for p in out.iterdir() if p.is_dir()} == set(table)
    assert not any(Path(p).is_symlink() for p in out.rglob("*"))


def test_the_download_zip_itself_is_taken_as_the_class(tmp_path):
    """Moodle hands the download over as one zip (its folders inside a folder here)."""
    download = tmp_path / "Lab 1-Backprop-4711.zip"
    with zipfile.ZipFile(download, "w") as archive:
        top = "Lab 1-Backprop-4711/"
        archive.writestr(f"{top}Chen Wei_4401_assignsubmission_file_/DL_LAB1_312551001.zip",
                         zip_bytes({"code/Backprop.py": SOLUTION}))
        archive.writestr(f"{top}Lin Yu_4402_assignsubmission_file_/hw1_312551002.py",
                         BIAS_AVERAGED)
        archive.writestr(f"{top}Lin Yu_4402_assignsubmission_onlinetext_/onlinetext.html",
                         "<p>hello</p>")
    out = tmp_path / "out"
    regrade(download, out)
    table = read_rows(out)
    assert set(table) == {"Chen Wei_4401_assignsubmission_file_",
                          "Lin Yu_4402_assignsubmission_file_"}
    chen, lin = (table[name] for name in sorted(table))
    assert (chen["student_id"], chen["participant"], chen["status"]) == ("312551001", "4401", "ok")
    assert float(chen["total"]) > 100 and "review: found under another name" in chen["flags"]
    assert (lin["participant"], lin["status"]) == ("4402", "ok")
    assert 0 < float(lin["total"]) < float(chen["total"])
    assert "online text is kept" in lin["reason"]
    run("export-grades", out, "--format", "moodle", "--out", tmp_path / "m.csv")
    grades = {row[0]: row[4] for row in read_csv(tmp_path / "m.csv")[1:]}
    # Lin Yu's row has no student ID (no roster): her participant number is enough.
    assert grades == {"Participant 4401": chen["total"], "Participant 4402": lin["total"]}

"""Finding what a student meant to hand in, without following anything out of the hand-in:
names, copies, archives in archives, several archives, links, encodings, huge and
malformed files. Every hand-in is built here from the corpus (solution, starter)."""

import codecs
import io
import json
import os
import struct
import sys
import tarfile
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from grader.grade import grade
from grader.intake import archives, locate
from grader.intake.archives import BadArchive, Budget, unpack
from grader.intake.handin import open_handin
from grader.intake.locate import NotFound, Refused, find
from grader.intake.prepare import Prepared
from grader.paths import SOLUTION_DIR, STARTER_DIR
from grader.regrade.collect import class_folder_children, collect, safe_name

SOLUTION = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
STARTER = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")


def put(folder, files):
    """Write {relative path: text or bytes} under folder; returns folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    return folder


def zipped(path, files, stamp=(2026, 10, 1, 12, 0, 0)):
    """A zip of {name: text or bytes}, every member dated stamp."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=stamp), content)
    return path


def zip_bytes(files, stamp=(2026, 10, 1, 12, 0, 0)):
    buffer = io.BytesIO()
    zipped(buffer, files, stamp)
    return buffer.getvalue()


def rar_bytes(name, data):
    """A RAR 4 archive holding one stored file, as WinRAR writes it (no tool here can
    write RAR: the format is simple enough for one stored member)."""
    def block(kind, flags, body):
        header = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
        return struct.pack("<H", zlib.crc32(header) & 0xFFFF) + header
    encoded, dos_time = name.encode(), (46 << 25) | (10 << 21) | (1 << 16)  # 2026-10-01
    file_body = struct.pack("<IIBIIBBHI", len(data), len(data), 3, zlib.crc32(data), dos_time,
                            20, 0x30, len(encoded), 0o100644) + encoded
    return (b"Rar!\x1a\x07\x00" + block(0x73, 0, b"\0" * 6) + block(0x74, 0x8000, file_body)
            + data + block(0x7B, 0x4000, b""))


@pytest.mark.parametrize("name", ["Backprop.py", "BACKPROP.PY", "backprop (1).py",
                                  "backprop-1.py", "backprop copy.py", "backprop - Copy.py",
                                  "hw1_312551001.py", "lab1 final.py"])
def test_the_code_is_found_under_any_name_a_student_gives_it(tmp_path, name):
    put(tmp_path, {f"code/{name}": SOLUTION, "report.pdf": b"%PDF", "README.md": "hi"})
    found = find(tmp_path)
    assert found.file.name == name
    assert [kind for kind, _ in found.notes] == ["renamed"]
    assert name in found.notes[0][1]


def test_the_contracts_name_is_graded_without_a_note(tmp_path):
    put(tmp_path, {"backprop.py": SOLUTION, "utils.py": "def helper():\n    return 1\n"})
    found = find(tmp_path)
    assert found.file.name == "backprop.py" and found.notes == []


def test_of_several_candidates_the_rule_picks_the_most_complete_and_says_why(tmp_path):
    put(tmp_path, {"backprop.py": STARTER, "old/backprop.py": SOLUTION.replace(
        "def backward", "def unused_backward"), "hw1.py": SOLUTION})
    found = find(tmp_path)
    assert found.file.name == "hw1.py"
    assert "it defines more graded functions (9) than old/backprop.py (8)" in found.reason
    assert "also not graded: backprop.py (0)" in found.reason
    kinds = dict(found.notes)
    assert "hw1.py" in kinds["renamed"]
    assert "graded hw1.py (9), not old/backprop.py (8)" in kinds["several"]


def test_on_a_tie_the_contracts_name_then_the_shallowest_wins(tmp_path):
    put(tmp_path, {"a/backprop (1).py": SOLUTION, "backprop.py": SOLUTION,
                   "hw.py": SOLUTION})
    found = find(tmp_path)
    assert found.file == (tmp_path / "backprop.py").resolve()
    assert found.reason.startswith("it and a/backprop (1).py define as many graded "
                                   "functions (9), and it has the contract's name")


@pytest.mark.parametrize("files, graded, decided", [
    ({"a/backprop.py": "SOLUTION", "b/c/backprop.py": "SOLUTION"}, "a/backprop.py",
     "it and b/c/backprop.py define as many graded functions (9), and it is in a "
     "shallower folder"),
    ({"backprop.py": "STARTER", "lab1.ipynb": "NOTEBOOK"}, "backprop.py",
     "neither it nor lab1.ipynb has a graded function written yet, or none that parses, "
     "and a .py goes before a notebook"),
    ({"backprop (1).py": "SOLUTION", "hw.py": "SOLUTION"}, "backprop (1).py",
     "it and hw.py define as many graded functions (9), and it has a copy of "
     "backprop.py's name"),
])
def test_a_tie_names_the_rule_that_decided_it(tmp_path, files, graded, decided):
    empty_notebook = json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                                 "cells": []})
    sources = {"SOLUTION": SOLUTION, "STARTER": STARTER, "NOTEBOOK": empty_notebook}
    put(tmp_path, {name: sources[what] for name, what in files.items()})
    found = find(tmp_path)
    assert found.file == (tmp_path / graded).resolve()
    assert found.reason == decided


def test_a_notebook_under_another_name_is_found(tmp_path):
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": SOLUTION}]}
    put(tmp_path, {"Lab1 (1).ipynb": json.dumps(notebook), "data.csv": "1,2"})
    assert find(tmp_path).file.name == "Lab1 (1).ipynb"


def test_when_nothing_is_found_the_reason_lists_what_the_folder_holds(tmp_path):
    put(tmp_path, {"report.pdf": b"%PDF", "notes.py": "print('hi')\n", "data/x.csv": "1"})
    with pytest.raises(NotFound, match=r"it holds: data/x\.csv, notes\.py, report\.pdf"):
        find(tmp_path)


def test_a_folder_without_code_says_nothing_could_be_graded(tmp_path):
    """No file was found: the report names the folder's contents, not a file it lacks."""
    put(tmp_path / "hand-in", {"report.pdf": b"%PDF"})
    results = grade(tmp_path / "hand-in", out_dir=tmp_path / "out")
    failure = results.import_error
    assert failure.startswith("Nothing could be graded: no backprop.py, notebook, or .py")
    assert "it holds: report.pdf" in failure and results.score == 0


# -- archives ------------------------------------------------------------------------------

def test_a_zip_inside_the_hand_in_zip_is_opened_and_noted(tmp_path):
    inner = zip_bytes({"code/backprop (1).py": SOLUTION})
    outer = zipped(tmp_path / "DL_LAB1_312551001_Chen.zip",
                   {"DL_LAB1_312551001/inner.zip": inner, "report.pdf": b"%PDF"})
    opened = open_handin(outer, put(tmp_path / "staging", {}))
    assert find(opened.path).file.name == "backprop (1).py"
    assert opened.notes == [("nested", "the code came from DL_LAB1_312551001/inner.zip, an "
                                       "archive inside DL_LAB1_312551001_Chen.zip")]


def test_of_several_archives_the_latest_by_their_own_dates_is_opened(tmp_path):
    folder = tmp_path / "Chen Wei_4411_assignsubmission_file_"
    folder.mkdir()
    # Named so that name order would pick the older one; file times say nothing.
    zipped(folder / "a_final.zip", {"backprop.py": SOLUTION}, stamp=(2026, 10, 3, 9, 0, 0))
    zipped(folder / "b.zip", {"backprop.py": STARTER}, stamp=(2026, 10, 1, 9, 0, 0))
    os.utime(folder / "b.zip", (time.time() + 99, time.time() + 99))
    opened = open_handin(folder, put(tmp_path / "staging", {}))
    assert (opened.path / "backprop.py").read_text() == SOLUTION
    assert opened.notes == [("archives", "2 archives: opened the latest, a_final.zip "
                                         "(2026-10-03 09:00); not graded: b.zip "
                                         "(2026-10-01 09:00)")]


@pytest.mark.parametrize(("suffix", "mode"), [(".tar", "w"), (".tar.gz", "w:gz"),
                                              (".tgz", "w:gz"), (".tar.bz2", "w:bz2"),
                                              (".tar.xz", "w:xz")])
def test_tar_hand_ins_are_opened(tmp_path, suffix, mode):
    tarred = tmp_path / f"DL_LAB1_312551001{suffix}"
    with tarfile.open(tarred, mode) as archive:
        data = SOLUTION.encode()
        info = tarfile.TarInfo("lab/backprop.py")
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    opened = open_handin(tarred, put(tmp_path / "staging", {}))
    assert find(opened.path).file.name == "backprop.py"


def test_7z_and_rar_hand_ins_are_opened(tmp_path):
    try:
        import libarchive
    except Exception:  # noqa: BLE001 - without the system's library it fails in several ways
        pytest.skip("7z and RAR need libarchive: sudo apt-get install libarchive13")
    seven = tmp_path / "DL_LAB1_312551002.7z"
    with libarchive.file_writer(str(seven), "7zip") as archive:
        archive.add_file_from_memory("lab/Backprop.py", len(SOLUTION.encode()), SOLUTION.encode())
    rar = tmp_path / "DL_LAB1_312551003.rar"
    rar.write_bytes(rar_bytes("DL_LAB1_312551003/backprop (1).py", SOLUTION.encode()))
    for path, name in ((seven, "Backprop.py"), (rar, "backprop (1).py")):
        staging = put(tmp_path / f"staging-{name}", {})
        assert find(open_handin(path, staging).path).file.name == name


def test_without_libarchive_a_7z_hand_in_says_the_one_line_fix(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "libarchive", None)  # import libarchive now fails
    (tmp_path / "hand-in.rar").write_bytes(b"Rar!\x1a\x07\x00")
    with pytest.raises(BadArchive, match="pip install libarchive-c"):
        unpack(tmp_path / "hand-in.rar", tmp_path / "out")


@pytest.mark.parametrize(("member", "message"), [
    ("../../solution/backprop.py", "a path outside the archive"),
    ("/etc/backprop.py", "a path outside the archive"),
    ("C:\\\\Users\\backprop.py", "a path outside the archive"),
])
def test_members_leaving_the_archive_are_refused(tmp_path, member, message):
    archive = zipped(tmp_path / "a.zip", {member: SOLUTION})
    with pytest.raises(Refused, match=message):
        unpack(archive, tmp_path / "out")
    assert not (tmp_path / "solution").exists()
    with Prepared(archive) as prepared:  # an integrity problem, as a link leaving it is
        assert prepared.problem[0] == "integrity" and message in prepared.problem[1]


def test_a_zip_bomb_and_too_many_files_stop_at_the_budget(tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (3 * 1024 * 1024))
    with pytest.raises(BadArchive, match="unpacks to more than"):
        unpack(bomb, tmp_path / "bomb", Budget(bytes=1024 * 1024))
    assert not (tmp_path / "bomb").exists()  # nothing half-written is left
    many = zipped(tmp_path / "many.zip", {f"f{n}.txt": "x" for n in range(20)})
    with pytest.raises(BadArchive, match="holds more than"):
        unpack(many, tmp_path / "many", Budget(members=10))
    nested = zip_bytes({"backprop.py": SOLUTION})
    for level in range(4):
        nested = zip_bytes({f"level{level}.zip": nested})
    deep = tmp_path / "deep.zip"
    deep.write_bytes(nested)
    with pytest.raises(BadArchive, match="nested more than 3 deep"):
        open_handin(deep, put(tmp_path / "staging", {}))


def test_a_corrupt_archive_is_a_clear_error(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    (tmp_path / "broken.tar.gz").write_bytes(b"\x1f\x8b not gzip")
    for name in ("broken.zip", "broken.tar.gz"):
        with pytest.raises(BadArchive, match=f"{name} is not a readable archive"):
            unpack(tmp_path / name, tmp_path / "out")


def test_a_windows_zip_with_big5_names_keeps_them(tmp_path):
    path, name = tmp_path / "a.zip", "作業/backprop.py".encode("cp950")
    placeholder = b"X" * (len(name) - len(b"/backprop.py")) + b"/backprop.py"
    # As a Windows archiver writes it: the name in the local code page, no UTF-8 flag.
    path.write_bytes(zip_bytes({placeholder.decode(): SOLUTION}).replace(placeholder, name))
    unpack(path, tmp_path / "out")
    assert (tmp_path / "out" / "作業" / "backprop.py").is_file()


# -- links: never followed -----------------------------------------------------------------

def solution_link(folder, name):
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(SOLUTION_DIR / "backprop.py", folder), folder / name)


@pytest.mark.parametrize("name", ["backprop.py", "helper.py", "lab1.ipynb"])
def test_a_link_leaving_the_hand_in_refuses_it(tmp_path, name):
    folder = put(tmp_path / "student", {"backprop.py": STARTER} if name != "backprop.py" else {})
    solution_link(folder, name)
    with pytest.raises(Refused, match=f"{name} is a link to .*outside the submission"):
        find(folder)
    with Prepared(folder) as prepared:
        assert prepared.problem[0] == "integrity" and prepared.path is None


def test_a_linked_file_or_folder_given_is_refused(tmp_path):
    solution_link(tmp_path, "backprop.py")
    os.symlink(SOLUTION_DIR, tmp_path / "folder")
    for path in (tmp_path / "backprop.py", tmp_path / "folder"):
        with Prepared(path) as prepared:
            assert prepared.problem[0] == "integrity", path


def test_a_hard_link_is_refused(tmp_path):
    target = put(tmp_path / "course", {"backprop.py": SOLUTION}) / "backprop.py"
    folder = put(tmp_path / "student", {})
    os.link(target, folder / "backprop.py")
    with pytest.raises(Refused, match="hard link"):
        find(folder)


def test_links_in_archives_are_never_created(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("backprop.py")
        info.external_attr = 0o120777 << 16  # a symbolic link
        archive.writestr(info, "../../solution/backprop.py")
    with pytest.raises(Refused, match="a link to ../../solution/backprop.py"):
        open_handin(path, put(tmp_path / "staging", {}))
    tarred = tmp_path / "b.tar"
    with tarfile.open(tarred, "w") as archive:
        info = tarfile.TarInfo("lab/backprop.py")
        info.type, info.linkname = tarfile.SYMTYPE, "/work/solution/backprop.py"
        archive.addfile(info)
    with pytest.raises(Refused):
        open_handin(tarred, put(tmp_path / "staging2", {}))
    assert not any(p.is_symlink() for p in tmp_path.rglob("*"))


def test_a_link_inside_the_hand_in_or_a_pipe_is_left_out_of_the_copy(tmp_path):
    folder = put(tmp_path / "student", {"backprop.py": SOLUTION})
    os.symlink("backprop.py", folder / "alias.py")
    os.mkfifo(folder / "helper.py")  # reading or copying it would block
    with Prepared(folder) as prepared:
        assert prepared.problem is None
        assert not (prepared.path.parent / "alias.py").exists()
        assert not (prepared.path.parent / "helper.py").exists()


# -- what is read -------------------------------------------------------------------------

def test_a_big5_file_is_read_as_big5_and_noted(tmp_path):
    source = "# 反向傳播：計算每一層的梯度\n" + SOLUTION
    folder = put(tmp_path / "student", {"backprop.py": source.encode("big5")})
    with Prepared(folder) as prepared:
        assert "反向傳播" in prepared.code and "\ufffd" not in prepared.code
        assert prepared.path.read_text(encoding="utf-8") == source
        assert prepared.notes == [("encoding", "backprop.py is not UTF-8: read as big5")]


def functions_notebook_text(comment):
    """A v4 notebook whose one code cell is the solution under a comment line."""
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": comment},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
         "source": f"# {comment}\n" + SOLUTION}]}, ensure_ascii=False)


@pytest.mark.parametrize("comment, encoding, named", [
    ("反向傳播：計算每一層的梯度", "big5", "big5"),
    ("反向传播：计算每一层的梯度，然后更新参数", "gbk", "gb"),
    ("Rétropropagation : calculer le gradient de chaque couche", "utf-16", "utf-16"),
])
def test_a_notebook_saved_in_another_encoding_is_read_in_it_and_noted(tmp_path, comment,
                                                                      encoding, named):
    """A notebook re-saved by an editor in its system's encoding is decoded like a .py
    (grader.intake.encoding) and flagged for review, never refused."""
    text = functions_notebook_text(comment)
    folder = put(tmp_path / "student", {"lab1.ipynb": text.encode(encoding)})
    with Prepared(folder) as prepared:
        assert prepared.problem is None, prepared.problem
        assert comment in prepared.code and "\ufffd" not in prepared.code
        assert "def backward(" in prepared.code
        [(kind, note)] = prepared.notes
        assert kind == "encoding" and note.startswith("lab1.ipynb is not UTF-8: read as ")
        assert note.removeprefix("lab1.ipynb is not UTF-8: read as ").startswith(named)


@pytest.mark.parametrize("encode", [lambda text: text.encode("utf-8"),
                                    lambda text: codecs.BOM_UTF8 + text.encode("utf-8")])
def test_a_utf8_notebook_is_not_flagged(tmp_path, encode):
    text = functions_notebook_text("反向傳播")
    folder = put(tmp_path / "student", {"lab1.ipynb": encode(text)})
    with Prepared(folder) as prepared:
        assert prepared.problem is None and "反向傳播" in prepared.code
        assert prepared.notes == []


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"cells": ' + "[" * 50_000, "\x00\x01 not json"])
def test_malformed_or_deeply_nested_notebooks_are_a_reason_not_a_crash(tmp_path, text):
    folder = put(tmp_path / "student", {"lab1.ipynb": text})
    with Prepared(folder) as prepared:
        assert prepared.problem[0] == "notebook"
        assert "lab1.ipynb" in prepared.problem[1]


def test_a_notebook_importing_backprop_gets_the_copy_named_otherwise(tmp_path):
    made = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": count,
         "source": source} for count, source in enumerate(
             ["from backprop import *\n", SOLUTION], start=1)]}
    folder = put(tmp_path / "student", {"lab1.ipynb": json.dumps(made),
                                        "backprop (1).py": STARTER})
    with Prepared(folder) as prepared:
        assert prepared.original.name == "lab1.ipynb" and not prepared.stood_in
        assert (prepared.path.parent / "backprop.py").read_text() == STARTER
        assert ("renamed", "backprop (1).py was imported as backprop.py by the notebook") \
            in prepared.notes


# -- the class's submissions -------------------------------------------------------------

@pytest.mark.parametrize(("name", "safe"), [
    ("..", "submission"), (".", "submission"), (" . ", "submission"), (".hidden", "hidden"),
    ("a/b\\c:d*", "a_b_c_d_"), ("\x00bad\nname", "_bad_name"), ("x" * 300, "x" * 100),
])
def test_submission_names_become_safe_folder_names(name, safe):
    assert safe_name(name) == safe


def test_a_hand_in_named_dots_stays_inside_out(tmp_path):
    zipped(tmp_path / "...zip", {"backprop.py": SOLUTION})
    zipped(tmp_path / "..zip", {"backprop.py": SOLUTION})
    names = [entry.name for entry in collect([tmp_path / "...zip", tmp_path / "..zip"])]
    assert names == ["submission", "submission-2"]


def test_a_moodle_download_gives_one_entry_per_student(tmp_path):
    put(tmp_path, {
        "Chen Wei_4411_assignsubmission_file_/DL_LAB1_312551001_Chen.zip": b"",
        "Chen Wei_4411_assignsubmission_onlinetext_/onlinetext.html": "<p>see zip</p>",
        "Lin Yu_4412_assignsubmission_onlinetext_/onlinetext.html": "<p>def f(): ...</p>",
        "Wang Xiao_4413_assignsubmission_file_a.zip": b"",
        "Wang Xiao_4413_assignsubmission_file_DL_LAB1_312551003_Wang.py": "x = 1",
    })
    entries = {entry.name: entry for entry in collect([tmp_path])}
    assert sorted(entries) == ["Chen Wei_4411_assignsubmission_file_",
                               "Lin Yu_4412_assignsubmission_onlinetext_",
                               "Wang Xiao_4413_assignsubmission_file_DL_LAB1_312551003_Wang"]
    chen = entries["Chen Wei_4411_assignsubmission_file_"]
    assert chen.online_text == (tmp_path / "Chen Wei_4411_assignsubmission_onlinetext_",)
    lin = entries["Lin Yu_4412_assignsubmission_onlinetext_"]
    assert lin.online_text == (lin.path,) and lin.identity.participant == "4412"
    assert (chen.identity.student_id, chen.identity.participant) == ("312551001", "4411")
    wang = entries["Wang Xiao_4413_assignsubmission_file_DL_LAB1_312551003_Wang"]
    assert wang.extra == (tmp_path / "Wang Xiao_4413_assignsubmission_file_a.zip",)
    assert (wang.identity.student_id, wang.identity.participant) == ("312551003", "4413")


def test_a_folder_with_a_renamed_backprop_is_one_submission(tmp_path):
    put(tmp_path, {"Backprop.py": SOLUTION, "utils.py": "x = 1"})
    assert class_folder_children(tmp_path) is None
    assert archives.is_archive(Path("a.TAR.GZ")) and archives.archive_stem("a.tar.gz") == "a"


def test_a_virtual_environment_in_the_hand_in_is_no_link_to_refuse(tmp_path):
    folder = put(tmp_path / "student", {"backprop.py": SOLUTION, "venv/pyvenv.cfg": "home=/usr",
                                        "env/conda-meta/history": "",
                                        "._backprop.py": b"\x00\x05\x16\x07"})
    os.symlink(sys.executable, folder / "venv" / "python")
    os.symlink(sys.executable, folder / "env" / "python")
    found = find(folder)
    assert found.file.name == "backprop.py" and found.notes == []


def test_a_notebook_too_large_is_named_in_the_reason(tmp_path, monkeypatch):
    monkeypatch.setitem(locate.LARGEST_CANDIDATE, ".ipynb", 1024)
    folder = put(tmp_path / "student", {"lab1.ipynb": "{" + " " * 4096 + "}"})
    with pytest.raises(NotFound, match="lab1.ipynb is too large to be a hand-in"):
        find(folder)


def test_a_class_folder_lists_a_dotted_hand_in_but_no_hidden_files(tmp_path):
    zipped(tmp_path / "...zip", {"backprop.py": SOLUTION})
    put(tmp_path, {".DS_Store": b"\0", "._alice.zip": b"\0", ".git/config": "",
                   "alice/backprop.py": SOLUTION, "bob.py": SOLUTION})
    assert [path.name for path in class_folder_children(tmp_path)] == ["...zip", "alice",
                                                                        "bob.py"]
    assert [entry.name for entry in collect([tmp_path])] == ["submission", "alice", "bob"]


def test_python_m_grader_scores_a_link_to_the_solution_zero(tmp_path):
    from grader.grade import grade

    solution_link(tmp_path / "student", "lab1.ipynb")
    results = grade(tmp_path / "student", out_dir=tmp_path / "out")
    assert results.score == 0 and "never followed" in results.import_error
    assert not any(check.score for check in results.checks)
    assert all(check.kind == "integrity" for check in results.checks if check.max_score)


def test_links_in_a_hand_ins_shipped_files_are_flagged_never_read(tmp_path):
    from grader.regrade.integrity import pristine_hashes, tampered_files

    os.mkfifo(tmp_path / "fifo")  # reading it would block forever
    folder = put(tmp_path / "student", {"backprop.py": SOLUTION, "grader/__init__.py": ""})
    os.symlink(tmp_path / "fifo", folder / "grader" / "lab.py")
    assert "modified grader/lab.py (a link out of the submission)" in \
        tampered_files(folder, pristine_hashes())
    from grader.regrade.collect import content_hash

    assert content_hash(folder) != content_hash(put(tmp_path / "other", {"backprop.py": SOLUTION}))


@pytest.mark.parametrize("name", ["backprop.py.txt", "Backprop.txt", "backprop (1).py.txt"])
def test_a_py_renamed_txt_for_an_upload_filter_is_graded(tmp_path, name):
    from grader.grade import grade

    folder = put(tmp_path / "student", {name: SOLUTION, "notes.txt": "hello"})
    found = find(folder)
    assert found.file.name == name and [kind for kind, _ in found.notes] == ["renamed"]
    with Prepared(folder) as prepared:
        assert prepared.path.name == "backprop.py" and prepared.code == SOLUTION
    if name == "backprop.py.txt":
        assert grade(folder, out_dir=tmp_path / "out").score >= 100


def test_a_link_inside_an_archive_is_left_out_and_noted(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("v2/backprop.py", SOLUTION)
        info = zipfile.ZipInfo("lib/current.py")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "../v2/backprop.py")
    opened = open_handin(path, put(tmp_path / "staging", {}))
    assert opened.notes == [("links", "a.zip holds the link lib/current.py -> "
                                      "../v2/backprop.py, left out")]
    assert not (opened.path / "lib" / "current.py").exists()
    assert find(opened.path).file.name == "backprop.py"

"""Who a submission belongs to: names parsed from every hand-in form, and the roster."""

import pytest

from grader.regrade.identity import (
    Identity,
    RosterError,
    identity_of,
    match_roster,
    parse_name,
    read_roster,
    unparsed_warnings,
)

NAMES = [
    ("DL_LAB1_312551001_ChenWei.zip", "312551001", "ChenWei", ""),
    ("DL-LAB1-312551002-Lin.zip", "312551002", "Lin", ""),
    ("dl_lab1_312551003_wang xiao.zip", "312551003", "wang xiao", ""),
    ("DL_LAB1_312551004.zip", "312551004", "", ""),
    ("DL_LAB1_312551005_Huang (1).zip", "312551005", "Huang", ""),
    ("DL_LAB1_312551006_Tsai - Copy", "312551006", "Tsai", ""),
    ("DL LAB1 312551007 陳偉.ipynb", "312551007", "陳偉", ""),
    ("DL_Lab_1_f74091234_Wang.zip", "F74091234", "Wang", ""),
    ("312551010_ChangYu", "312551010", "ChangYu", ""),
    ("312551011", "312551011", "", ""),
    ("Chen Wei_283746_assignsubmission_file_", "", "Chen Wei", "283746"),
    ("Lee Mei Ling_90_assignsubmission_file", "", "Lee Mei Ling", "90"),
    ("Chen Wei_283746_assignsubmission_file_DL_LAB1_312551001_ChenWei.zip", "312551001",
     "Chen Wei", "283746"),
    ("Chen Wei_283746_assignsubmission_file_backprop.py", "", "Chen Wei", "283746"),
]


@pytest.mark.parametrize(("text", "student_id", "name", "participant"), NAMES)
def test_every_hand_in_form_gives_the_id_and_name(text, student_id, name, participant):
    found = parse_name(text)
    assert (found.student_id, found.name, found.participant) == (student_id, name, participant)


@pytest.mark.parametrize("text", ["alice", "backprop", "lab1 final", "DL_LAB1_", "12_ab"])
def test_other_names_are_left_unparsed_not_guessed(text):
    assert parse_name(text) == Identity()


def test_a_moodle_folder_lends_the_id_of_the_hand_in_inside(tmp_path):
    folder = tmp_path / "Chen Wei_283746_assignsubmission_file_"
    folder.mkdir()
    (folder / "DL_LAB1_312551001_ChenWei.zip").write_bytes(b"")
    found = identity_of(folder)
    assert (found.student_id, found.name, found.participant) == ("312551001", "Chen Wei", "283746")


def test_unparsed_names_are_reported_in_one_line():
    warnings = unparsed_warnings({"alice": Identity(), "ok": Identity("312551001", "A"),
                                  "moodle": Identity(name="Chen Wei", participant="7")})
    assert len(warnings) == 1
    assert warnings[0].startswith("2 submissions without a student ID in their names: "
                                  "alice, moodle (")
    many = unparsed_warnings({f"folder{n:03d}": Identity() for n in range(177)})
    assert len(many) == 1 and many[0].startswith("177 submissions without a student ID")
    assert "folder009 and 167 more" in many[0]
    assert unparsed_warnings({"ok": Identity("312551001", "A")}) == []


@pytest.mark.parametrize(("text", "name"), [
    ("DL_LAB1_312551001_蘇郁婷 v2.zip", "蘇郁婷"),
    ("DL_LAB1_312551001_Chen Wei_final.zip", "Chen Wei"),
    ("312551001_Lin (late)", "Lin"),
    ("DL_LAB1_312551001_Wang_v3.1.tar.gz", "Wang"),
    ("312551001_Lee-resubmit (1).7z", "Lee"),
    ("DL_LAB1_312551001_陳偉_最終版.rar", "陳偉"),
    ("DL_LAB1_312551001_v2.zip", ""),
])
def test_version_marks_are_not_part_of_the_name(text, name):
    assert parse_name(text) == Identity(student_id="312551001", name=name)


def roster_file(tmp_path, text):
    path = tmp_path / "roster.csv"
    path.write_text(text, encoding="utf-8")
    return path


ROSTER = ("id,name,email\n312551001,Chen Wei,chen@example.edu\n312551002,Lin Yu,lin@example.edu\n"
          "312551003,Wang Xiao,\n312551004,Chen Wei,chen2@example.edu\n")


def test_the_roster_matches_by_id_then_by_name_and_lists_who_is_missing(tmp_path):
    roster = read_roster(roster_file(tmp_path, ROSTER))
    identities = {"a": Identity("312551001", "ChenWei"),
                  "b": Identity(name="lin  yu", participant="5"),
                  "c": Identity("999999999", "Stranger"), "d": Identity(),
                  "e": Identity("312551001", "Again")}
    matching = match_roster(identities, roster)
    assert matching.identities["a"] == Identity("312551001", "Chen Wei", "chen@example.edu")
    assert matching.identities["b"] == Identity("312551002", "Lin Yu", "lin@example.edu", "5")
    assert matching.identities["c"] == identities["c"]  # kept as read, with a warning
    assert [s.student_id for s in matching.missing] == ["312551003", "312551004"]
    assert matching.warnings == ("c: 999999999 is not in the roster",
                                 "312551001 has several submissions: a, e")


def test_a_name_shared_by_two_roster_students_is_not_guessed(tmp_path):
    roster = read_roster(roster_file(tmp_path, ROSTER))
    matching = match_roster({"m": Identity(name="Chen Wei", participant="9")}, roster)
    assert matching.identities["m"].student_id == ""
    assert matching.warnings == ("m: the name 'Chen Wei' matches several roster students "
                                 "(312551001, 312551004)",)


def test_roster_headers_may_use_other_common_names(tmp_path):
    roster = read_roster(roster_file(tmp_path, "Student ID,Full name\n0756110,Lee\n"))
    assert roster == {"0756110": Identity("0756110", "Lee")}


@pytest.mark.parametrize(("text", "message"), [
    ("", "the roster is empty"),
    ("name,email\nLee,lee@x\n", "no 'student_id' column"),
    ("id,email\n1234567,lee@x\n", "no 'name' column"),
    ("id,name\n", "has a header but no students"),
    ("id,name\n1234567,Lee\n,Nobody\n", "line 3: no student ID"),
    ("id,name\n1234567,Lee\n1234567,Lee again\n", "line 3: student ID 1234567 appears twice"),
])
def test_a_bad_roster_is_refused_with_the_line(tmp_path, text, message):
    with pytest.raises(RosterError, match=message):
        read_roster(roster_file(tmp_path, text))


def test_a_missing_roster_file_is_a_clear_error(tmp_path):
    with pytest.raises(RosterError, match="cannot read the roster"):
        read_roster(tmp_path / "nope.csv")


FUZZY_ROSTER = ("id,name\n312551001,Chen Wei\n312551002,Lin Yu\n312551003,蘇郁婷\n"
                "312551004,Chen Wen\n")


def test_a_close_name_matches_one_roster_student_with_its_confidence(tmp_path):
    roster = read_roster(roster_file(tmp_path, FUZZY_ROSTER))
    found = {"a": Identity(name="Lin Yuu"), "b": Identity(name="Yu Lin"),
             "c": Identity(name="蘇郁婷"), "d": Identity(name="Someone Else"),
             "e": Identity(name="Chen We")}  # as close to Chen Wei as to Chen Wen
    matching = match_roster(found, roster)
    ids = {name: identity.student_id for name, identity in matching.identities.items()}
    assert ids == {"a": "312551002", "b": "312551002", "c": "312551003", "d": "", "e": ""}
    said = "\n".join(matching.warnings)
    assert "a: the name 'Lin Yuu' matched 312551002 'Lin Yu' of the roster by similarity " \
           "(confidence 0.91)" in said
    assert "c: the name" not in said  # an exact match is no guess
    assert "d: Someone Else is not in the roster" in said
    assert "e: Chen We is not in the roster" in said

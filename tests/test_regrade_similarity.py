"""Copy detection by token fingerprints: renamed, reordered and reformatted copies are
found; independent correct solutions and the shared starter are not."""

import re
from pathlib import Path

import pytest

from grader.paths import SOLUTION_DIR, STARTER_DIR
from grader.regrade.similarity import (
    THRESHOLD,
    WINDOW,
    K,
    fingerprints,
    function_spans,
    merge_ranges,
    normalised_tokens,
    similar_pairs,
    starter_sources,
)
from tests.submissions.disguise import disguised, reformatted, renamed, reordered

CORRECT = Path(__file__).parent / "submissions" / "correct"
ORIGINAL = (CORRECT / "tuple_cache.py").read_text(encoding="utf-8")


def test_renaming_only_changes_identifiers():
    assert [t for t, _ in normalised_tokens("delta = d_a * 2  # x\n")] == ["V", "=", "V", "*", "N"]
    assert [t for t, _ in normalised_tokens(renamed(ORIGINAL))] == \
        [t for t, _ in normalised_tokens(ORIGINAL)]


@pytest.mark.parametrize("disguise", [renamed, reordered, reformatted, disguised])
@pytest.mark.parametrize("original", sorted(CORRECT.glob("*.py")), ids=lambda path: path.stem)
def test_a_disguised_copy_is_found_with_its_lines(disguise, original):
    source = original.read_text(encoding="utf-8")
    copy = disguise(source)
    assert copy != source
    matches = similar_pairs({"ann": source, "ben": copy}, starter_sources())
    assert [(m.a, m.b) for m in matches] == [("ann", "ben")]
    assert matches[0].similarity >= 0.8
    assert matches[0].lines_a and matches[0].lines_b


def test_a_renamed_copy_of_the_reference_inside_the_starter_is_found():
    source = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    copy = source.replace("delta", "d_a").replace("cache", "memo").replace("grads", "g")
    matches = similar_pairs({"ann": source, "ben": copy}, starter_sources())
    assert len(matches) == 1 and matches[0].similarity >= 0.9


def test_independent_correct_solutions_are_not_flagged():
    sources = {path.stem: path.read_text(encoding="utf-8") for path in CORRECT.glob("*.py")}
    sources["reference"] = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    assert len(sources) >= 6
    assert similar_pairs(sources, starter_sources()) == []
    # and with margin: no pair comes near the threshold
    closest = similar_pairs(sources, starter_sources(), threshold=0.0)[0]
    assert closest.similarity < THRESHOLD / 2


def test_the_untouched_starter_makes_nobody_similar():
    starter = (STARTER_DIR / "backprop.py").read_text(encoding="utf-8")
    with_one_function = starter.replace(
        'def sigmoid(x):\n', 'def sigmoid(x):\n    return 1 / (1 + np.exp(-x))\n', 1)
    sources = {"ann": starter, "ben": starter, "cat": with_one_function}
    assert similar_pairs(sources, starter_sources()) == []
    # without setting the starter aside they would all match
    assert len(similar_pairs(sources, [])) == 3


def test_winnowing_keeps_a_fingerprint_of_every_long_match():
    prints = fingerprints(ORIGINAL)
    assert 0 < len(prints) < len(normalised_tokens(ORIGINAL)) / 2  # a sample of the k-grams
    other = (CORRECT / "einsum_network.py").read_text(encoding="utf-8")
    function = re.search(r"\ndef backward\(.*?(?=\n\ndef )", ORIGINAL, re.S)[0]
    assert len(normalised_tokens(function)) >= K + WINDOW - 1
    spliced = other.replace("\ndef update(", function + "\n\n\ndef update(", 1)
    found = fingerprints(spliced).keys() & fingerprints(function).keys()
    assert found - fingerprints(other).keys()  # the spliced function is seen in its new home


def test_line_ranges_merge():
    assert merge_ranges([(5, 7), (1, 2), (3, 3), (10, 12), (11, 15)]) == ((1, 3), (5, 7), (10, 15))


def test_code_that_does_not_tokenize_still_compares():
    broken = ORIGINAL.replace("def forward(", "def forward((", 1)
    assert similar_pairs({"ann": broken, "ben": broken}, starter_sources())[0].similarity == 1.0


def test_a_copy_of_the_course_solution_is_flagged_on_its_row(tmp_path):
    from grader.regrade.rings import REFERENCE, flag_similar
    from grader.regrade.sheet import GradeSheet

    solution = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    codes = {"312551001_ChenWei": solution.replace("delta", "d_a"),  # the leaked reference
             "312551002_LinYu": (CORRECT / "tuple_cache.py").read_text(encoding="utf-8")}
    sheet = GradeSheet(tmp_path / "grades.csv")
    for name, code in codes.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "submitted_code.py").write_text(code, encoding="utf-8")
        sheet.add({"submission": name, "flags": ""}, save=False)
    matches = flag_similar(sheet, tmp_path, "submitted_code.py")
    assert [{m.a, m.b} for m in matches] == [{REFERENCE, "312551001_ChenWei"}]
    assert sheet.rows["312551001_ChenWei"]["flags"].startswith(f"similar to {REFERENCE} (")
    assert sheet.rows["312551002_LinYu"]["flags"] == ""
    assert REFERENCE not in sheet.rows and REFERENCE in (tmp_path / "similarity.md").read_text()


def test_identical_rows_are_not_flagged_again_as_similar(tmp_path):
    from grader.regrade.rings import flag_similar
    from grader.regrade.sheet import GradeSheet

    code = (CORRECT / "tuple_cache.py").read_text(encoding="utf-8")
    sheet = GradeSheet(tmp_path / "grades.csv")
    for name, digest in (("ann", "d1"), ("ben", "d1"), ("cat", "d2")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "submitted_code.py").write_text(
            code if name != "cat" else code.replace("cache", "memo"), encoding="utf-8")
        sheet.add({"submission": name, "code": digest, "flags": "identical to x" * (
            name != "cat")}, save=False)
    flag_similar(sheet, tmp_path, "submitted_code.py", reference=tmp_path / "none.py")
    assert "similar to ben" not in sheet.rows["ann"]["flags"]  # identical: said once
    # a renamed copy of both: one ring of three, said on every row
    assert "copy ring 1 with ann, ben (3 submissions" in sheet.rows["cat"]["flags"]
    assert "copy ring 1 with ben, cat" in sheet.rows["ann"]["flags"]


def function_of(source, name):
    return re.search(rf"\ndef {name}\(.*?(?=\n\n+def |\Z)", source, re.S)[0]


def test_a_copied_backward_in_an_own_file_is_found_by_its_function():
    own = (CORRECT / "tuple_cache.py").read_text(encoding="utf-8")
    theirs = (CORRECT / "einsum_network.py").read_text(encoding="utf-8")
    copied = renamed(function_of(theirs, "backward"))
    partial = own.replace(function_of(own, "backward"), "\n" + copied.strip("\n"), 1)
    assert partial != own
    matches = similar_pairs({"own": partial, "theirs": theirs}, starter_sources())
    assert [(m.a, m.b) for m in matches] == [("own", "theirs")]
    match = matches[0]
    assert match.similarity < THRESHOLD  # the file alone would not tell
    assert match.functions[0][0] == "backward" and match.functions[0][1] >= 0.9
    assert match.evidence(1).startswith("backward ")
    # the shared lines show the backward
    first, last = function_spans(partial)["backward"]
    assert any(a <= first + 1 and last - 1 <= b for a, b in match.lines_a)


def test_a_ring_of_three_is_one_cluster_and_independent_solutions_stay_out():
    from grader.regrade.rings import clusters, row_flags

    original = (CORRECT / "bias_folded.py").read_text(encoding="utf-8")
    sources = {"ann": original, "ben": disguised(original),
               "cat": reformatted(renamed(reordered(original))),
               "dan": (CORRECT / "tuple_cache.py").read_text(encoding="utf-8"),
               "eve": (CORRECT / "layer_classes.py").read_text(encoding="utf-8")}
    found = clusters(similar_pairs(sources, starter_sources()))
    assert [members for members, _ in found] == [["ann", "ben", "cat"]]
    flags = row_flags(found, {})
    assert set(flags) == {"ann", "ben", "cat"}
    assert flags["ben"].startswith("copy ring 1 with ann, cat (3 submissions, strongest: ")


def test_independent_functions_stay_below_the_function_threshold_with_margin():
    from grader.regrade.similarity import (
        FUNCTION_THRESHOLD,
        INDEPENDENT_FILE,
        INDEPENDENT_FUNCTION,
        all_pairs,
    )

    sources = {path.stem: path.read_text(encoding="utf-8") for path in CORRECT.glob("*.py")}
    sources["reference"] = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    pairs = all_pairs(sources, starter_sources())
    shares = [share for match in pairs for _, share in match.functions]
    assert len(shares) > 50  # forward, backward and show_result of every pair at least
    assert max(shares) < FUNCTION_THRESHOLD - 0.15
    # the figures similarity.md quotes are the ones measured today
    assert round(max(shares), 2) == INDEPENDENT_FUNCTION
    assert round(max(match.similarity for match in pairs), 2) == INDEPENDENT_FILE


def test_a_grade_that_crashes_still_leaves_its_code_to_compare(tmp_path, monkeypatch):
    import grader.grade
    from grader.regrade.collect import Entry
    from grader.regrade.run import CODE_FILE, Settings, grade_entry

    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "backprop.py").write_text(ORIGINAL, encoding="utf-8")

    def crash(*args, **kwargs):
        raise RuntimeError("the grading process died")

    monkeypatch.setattr(grader.grade, "grade", crash)
    with pytest.raises(RuntimeError):
        grade_entry(Entry("alice", folder), Settings(out=tmp_path / "out"), None, {})
    assert (tmp_path / "out" / "alice" / CODE_FILE).read_text(encoding="utf-8") == ORIGINAL

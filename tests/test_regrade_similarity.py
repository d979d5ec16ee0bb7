"""Copy detection by token fingerprints: renamed, reordered and reformatted copies are
found; independent correct solutions and the shared starter are not."""

import io
import re
import tokenize
from pathlib import Path

import pytest

from grader.paths import SOLUTION_DIR, STARTER_DIR
from grader.regrade.similarity import (
    THRESHOLD,
    WINDOW,
    K,
    fingerprints,
    merge_ranges,
    normalised_tokens,
    similar_pairs,
    starter_sources,
)

CORRECT = Path(__file__).parent / "submissions" / "correct"
ORIGINAL = (CORRECT / "tuple_cache.py").read_text(encoding="utf-8")


def renamed(source):
    """Every name the code assigns or takes as a parameter renamed (strings untouched)."""
    targets = re.findall(r"^\s*([a-z_]\w*(?:\s*,\s*[a-z_]\w*)*)\s*=[^=]", source, re.M)
    names = {name.strip() for target in targets for name in target.split(",")}
    names -= set(re.findall(r"[(,]\s*([a-z_]\w*)\s*=[^=]", source))  # keyword arguments
    names |= {n.split("=")[0].strip() for args in re.findall(r"def \w+\(([^)]*)\)", source)
              for n in args.split(",") if n.strip()}
    new_names = {name: f"my_value_{number}" for number, name in enumerate(sorted(names))}
    tokens = [(token.type, new_names.get(token.string, token.string)
               if token.type == tokenize.NAME else token.string)
              for token in tokenize.generate_tokens(io.StringIO(source).readline)]
    return tokenize.untokenize(tokens)


def reordered(source):
    """The top-level functions in reverse order."""
    head, *functions = re.split(r"\n(?=def )", source)
    return "\n".join([head, *reversed(functions)])


def reformatted(source):
    """Two-space indents, comments and blank lines added, spaces inside brackets."""
    lines = []
    for line in source.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        lines.append(" " * (indent // 2) + line.lstrip(" ").replace("(", "( "))
        if line.startswith("def "):
            lines.append("  # my own work")
    return "\n\n".join(lines) + "\n"


def disguised(source):
    return reformatted(reordered(renamed(source)))


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
    from grader.regrade.sheet import GradeSheet
    from grader.regrade.similarity import REFERENCE, flag_similar

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
    from grader.regrade.sheet import GradeSheet
    from grader.regrade.similarity import flag_similar

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
    assert "similar to ann" in sheet.rows["cat"]["flags"]  # a renamed copy: said

"""Integrity flags: tampered template files, and code identical once normalised."""

import shutil

from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.regrade.integrity import (
    duplicates,
    normalised_digest,
    pristine_hashes,
    tampered_files,
)


def student_repository(root):
    """A student's repository: the starter at the top and the template's grader files."""
    shutil.copy(STARTER_DIR / "backprop.py", root / "backprop.py")
    shutil.copytree(REPO_ROOT / "grader", root / "grader",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO_ROOT / "datasets", root / "datasets")
    (root / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(REPO_ROOT / ".github" / "workflows" / "classroom.yml",
                root / ".github" / "workflows" / "classroom.yml")
    return root


def test_an_untouched_repository_has_no_flags(tmp_path):
    assert tampered_files(student_repository(tmp_path), pristine_hashes()) == []


def test_changed_checks_data_and_workflow_are_flagged(tmp_path):
    repository = student_repository(tmp_path)
    check = repository / "grader" / "checks" / "check_backward.py"
    check.write_text(check.read_text().replace("points=3", "points=0"))
    (repository / "datasets" / "xor_easy.csv").write_text("x1,x2,label\n")
    (repository / ".github" / "workflows" / "classroom.yml").write_text("name: mine\n")
    (repository / "grader" / "checks" / "check_free_points.py").write_text("")
    flags = tampered_files(repository, pristine_hashes())
    assert flags == ["modified grader/checks/check_backward.py",
                     "modified datasets/xor_easy.csv",
                     "modified .github/workflows/classroom.yml",
                     "added grader/checks/check_free_points.py"]


def test_whitespace_and_comments_do_not_hide_a_copy():
    source = (SOLUTION_DIR / "backprop.py").read_text()
    disguised = "# my own work\n" + source.replace("    return", "    # done\n    return")
    disguised = disguised.replace("import numpy as np\n", "import numpy as np   \n\n\n")
    disguised = disguised.replace("(x, params):", "( x,params ):")
    assert normalised_digest(disguised) == normalised_digest(source)
    assert normalised_digest(source.replace("1.0 - y", "1 - y")) != normalised_digest(source)


def test_duplicates_name_each_other_and_the_starter():
    starter = normalised_digest((STARTER_DIR / "backprop.py").read_text())
    flags = duplicates({"ann": "a" * 16, "ben": "a" * 16, "cat": "c" * 16, "dan": starter})
    assert flags == {"ann": "identical to ben", "ben": "identical to ann",
                     "dan": "identical to the starter"}

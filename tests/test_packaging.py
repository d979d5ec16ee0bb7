"""Every install path grades the same: a wheel (what `pip install .` builds) and a wheel
built from the sdist carry the data sets, the given code, the solution, the checks and
their pytest.ini; installed in a fresh virtual environment outside the repository, the
grader grades the reference from another folder at 100 (plus the bonus). The sandbox of
an installed grader hides what it carries from student code.

No network: the wheel is built without build isolation (setuptools of the dev extra),
installed without dependencies, and the fresh environment reads the test environment's
libraries through a .pth file.
"""

import json
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.lab import DATASETS, PACKAGED_FILES
from grader.paths import REPO_ROOT, SOLUTION_DIR
from tests.grading import bonus_headline

pytestmark = pytest.mark.install
# What a build reads of the repository.
SOURCES = ("grader", "datasets", "starter", "solution", ".course-repository", "pyproject.toml",
           "setup.py", "MANIFEST.in", "README.md", "requirements.lock")
TIMEOUT = 300


def run(command, cwd):
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True,
                            text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def wheel_of(source, out):
    """Build a wheel of `source` (a folder or an sdist) into `out`; returns its path."""
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--wheel-dir", out, source], cwd=out.parent)
    [wheel] = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def source_tree(tmp_path_factory):
    """A copy of the repository's sources (a build writes build/ and *.egg-info there)."""
    tree = tmp_path_factory.mktemp("packaging") / "backprop-lab"
    for name in SOURCES:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, tree / name)
    return tree


@pytest.fixture(scope="module")
def wheel(source_tree):
    return wheel_of(source_tree, source_tree.parent / "wheel")


def fresh_environment(folder):
    """A new virtual environment with nothing installed, reading this environment's
    libraries (numpy, pytest, ...) after its own; returns its python."""
    run([sys.executable, "-m", "venv", "--without-pip", folder], cwd=folder.parent)
    python = folder / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    own = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                   cwd=folder.parent).strip())
    (own / "lab-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_wheel_carries_what_grading_needs(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = {f"grader/packaged/datasets/{name}.csv" for name in DATASETS} | {
        "grader/packaged/datasets/SHA256SUMS", "grader/packaged/starter/backprop.py",
        "grader/packaged/solution/backprop.py", "grader/packaged/.course-repository",
        "grader/checks/pytest.ini",
        "grader/checks/conftest.py", "grader/checks/check_backward.py",
        "grader/hidden/check_hidden.py"}
    assert needed <= names, sorted(needed - names)
    assert len(PACKAGED_FILES) == 4  # those above: data sets, given code, solution, marker


def test_the_sdist_builds_the_same_wheel(source_tree, wheel, tmp_path):
    from setuptools import build_meta

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(source_tree)
        name = build_meta.build_sdist(str(tmp_path))
    with tarfile.open(tmp_path / name) as sdist:
        carried = {member.split("/", 1)[1] for member in sdist.getnames() if "/" in member}
    assert {"datasets/linear.csv", "starter/backprop.py", "solution/backprop.py",
            ".course-repository", "setup.py"} <= carried
    (tmp_path / "from-sdist").mkdir()
    rebuilt = wheel_of(tmp_path / name, tmp_path / "from-sdist")
    assert set(zipfile.ZipFile(rebuilt).namelist()) == set(zipfile.ZipFile(wheel).namelist())


def test_an_installed_wheel_grades_the_reference_from_another_folder(wheel, tmp_path):
    python = fresh_environment(tmp_path / "venv")
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
         "--no-index", wheel], cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(SOLUTION_DIR, elsewhere / "solution")
    where = run([python, "-c", "import grader.paths as p; print(p.PACKAGED, p.GRADER_DIR)"],
                cwd=elsewhere).split()
    assert where[0] == "True" and Path(where[1]).is_relative_to(tmp_path / "venv")
    printed = run([python, "-m", "grader", "solution", "--out", "out"], cwd=elsewhere)
    assert bonus_headline(100, 100, 4) in printed, printed
    # What staff build comes from the repository, never from a package carrying the solution.
    refused = subprocess.run([python, "-m", "grader", "export-gradescope", "autograder.zip"],
                             cwd=elsewhere, capture_output=True, text=True, timeout=TIMEOUT)
    assert refused.returncode == 2 and "not an installed package" in refused.stderr
    assert not (elsewhere / "autograder.zip").exists()
    # Nothing the installed grader carries is in reach of student code.
    (elsewhere / "probe").mkdir()
    (elsewhere / "probe" / "backprop.py").write_text(
        "import pathlib, numpy\n"
        f"SEEN = [str(p) for p in pathlib.Path({str(where[1])!r}).rglob('*')]\n"
        "def sigmoid(x):\n    assert not SEEN, SEEN\n    return 1 / (1 + numpy.exp(-x))\n")
    run([python, "-m", "grader", "probe", "-k", "sigmoid", "--out", "probe-out"], cwd=elsewhere)
    results = json.loads((elsewhere / "probe-out" / "results.json").read_text())
    if results["extra_data"]["isolation"] == "bwrap":  # process isolation hides nothing
        own = [test for test in results["tests"] if test["name"].startswith("sigmoid:")]
        assert own and all(test["status"] == "passed" for test in own), own

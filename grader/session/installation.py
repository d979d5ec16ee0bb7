"""The grader checks its own inputs before it grades anything.

A grade is only as right as what the grader brings to it: the data sets, the reference
answers (the solution, or the stored reference values), the checks, the given code and
the libraries it runs on. `verify` looks at each of them before any student code runs and
raises GraderFailure with one sentence naming what is wrong and how to fix it, so that a
broken installation ends the grade as the grader's failure (exit code 2, no score), never
as points the student lost.
"""

from pathlib import Path

from grader.intake import prepare
from grader.lab import DATASETS
from grader.paths import (
    CHECKS_DIR,
    COURSE_MARKER,
    DATASETS_DIR,
    HIDDEN_CHECKS_DIR,
    PACKAGED,
    REFERENCE_CHECKSUM,
    REFERENCE_VALUES,
    REPO_ROOT,
    SOLUTION_DIR,
)
from grader.session.datasets import CHECKSUMS, recorded_checksums, sha256

DISTRIBUTION = "backprop-lab"  # the project's name in pyproject.toml
CHECK_FILES = ("pytest.ini", "conftest.py")  # what the checks folder holds besides checks


class GraderFailure(RuntimeError):
    """The grader itself could not complete (not a problem of the submission); the
    message is one sentence: what is wrong and how to fix it."""


def restore_hint(path):
    """How to get `path` (a file of the grader) back, for this kind of installation."""
    if PACKAGED:
        return "reinstall the grader (`pip install --force-reinstall --no-deps` the same wheel)"
    try:
        relative = Path(path).resolve().relative_to(REPO_ROOT)
    except ValueError:
        return "restore it from a fresh copy of the course's repository"
    if (REPO_ROOT / ".git").exists():
        return f"restore it with `git checkout -- {relative.as_posix()}`"
    return f"restore {relative.as_posix()} from a fresh copy of the course's repository"


def verify_datasets(directory=DATASETS_DIR):
    listing = Path(directory) / CHECKSUMS
    if not listing.is_file():
        raise GraderFailure(f"the grader's data set checksums {listing} are missing: "
                            f"{restore_hint(listing)}")
    digests = recorded_checksums(directory)
    for name in DATASETS:
        path = Path(directory) / f"{name}.csv"
        if not path.is_file():
            raise GraderFailure(f"the grader's data set {path} is missing: {restore_hint(path)}")
        if sha256(path) != digests.get(path.name):
            raise GraderFailure(f"the grader's data set {path} differs from its checksum in "
                                f"{CHECKSUMS}: {restore_hint(path)}")


def verify_reference(options):
    """The reference answers the checks will use (grader.session.plugin's `reference`):
    the stored values given or shipped (their digest was recorded beside them when they
    were written), else the solution of the course's own repository."""
    solution = SOLUTION_DIR / "backprop.py"
    if options.reference_values is not None:
        stored, checksum = Path(options.reference_values), None
    elif options.record_reference is not None or (COURSE_MARKER.is_file()
                                                  and not REFERENCE_VALUES.is_file()):
        if not solution.is_file():  # the answers are computed live, from the solution
            raise GraderFailure(f"the course's solution {solution} is missing: "
                                + restore_hint(solution))
        return
    else:
        stored, checksum = REFERENCE_VALUES, REFERENCE_CHECKSUM
    if not stored.is_file():
        raise GraderFailure(f"the grader has no reference answers: neither the stored values "
                            f"{stored} nor the course's solution are here; "
                            + restore_hint(stored))
    if checksum is None:
        return
    if not checksum.is_file():
        raise GraderFailure(f"the checksum {checksum} of the stored reference values is "
                            f"missing: {restore_hint(checksum)}")
    if sha256(stored) != recorded_checksums(checksum.parent, checksum.name).get(stored.name):
        raise GraderFailure(f"the stored reference values {stored} differ from their checksum "
                            f"in {checksum.name}: {restore_hint(stored)}")


def verify_checks(hidden=False):
    folders = [CHECKS_DIR] + ([HIDDEN_CHECKS_DIR] if hidden else [])
    for folder in folders:
        if not any(folder.glob("check_*.py")):
            raise GraderFailure(f"the grader's checks are missing from {folder}: "
                                f"{restore_hint(folder)}")
    for name in CHECK_FILES:
        if not (CHECKS_DIR / name).is_file():
            raise GraderFailure(f"the grader's {CHECKS_DIR / name} is missing: "
                                f"{restore_hint(CHECKS_DIR / name)}")


def verify_given_code():
    if prepare.given_code() is None:
        raise GraderFailure("the grader's copy of the given code (the starter's backprop.py) "
                            "is missing: " + restore_hint(REPO_ROOT / "starter" / "backprop.py"))


def dependency_bounds():
    """[packaging Requirement] of the grader's own (not optional) dependencies, as its
    installed metadata records them; [] where the grader is not installed."""
    # Imported here, not at the top: the versions are checked while the worker starts
    # (grader.grade), and whatever runs before its start delays every grade.
    import importlib.metadata

    from packaging.requirements import Requirement

    try:
        listed = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        return []
    requirements = [Requirement(text) for text in listed]
    return [r for r in requirements if r.marker is None or r.marker.evaluate({"extra": ""})]


def verify_versions():
    """Each dependency installed at a version within pyproject.toml's bounds."""
    import importlib.metadata

    for requirement in dependency_bounds():
        try:
            version = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            version = None
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            found = f"{requirement.name} {version} is installed" if version else \
                f"{requirement.name} is not installed"
            raise GraderFailure(f"{found}, but the grader needs {requirement}: install the "
                                "pinned versions with `pip install -c requirements.lock -e .` "
                                "(or `make grade`)")


def verify_files(options):
    """Raise GraderFailure when a file the grade with `options` needs is missing or
    altered."""
    verify_checks(options.hidden)
    verify_datasets()
    verify_reference(options)
    verify_given_code()


def verify(options):
    """Raise GraderFailure when anything the grade with `options` needs is missing,
    altered or out of bounds. (A grade checks the files first and the libraries' versions
    while its worker starts up, before the submission is imported: grader.grade.)"""
    verify_files(options)
    verify_versions()

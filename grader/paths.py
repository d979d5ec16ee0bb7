"""Where the repository's parts live, so no module guesses paths on its own.

A checkout or an editable install (`pip install -e .`) reads the repository's files where
they are. A built package (`pip install .`, a wheel, an sdist) cannot reach the repository,
so the build copies what grading needs into the package, under grader/packaged/ in the
repository's own layout (grader.lab.PACKAGED_FILES, copied by setup.py); it is then read
from there.
"""

from pathlib import Path

GRADER_DIR = Path(__file__).resolve().parent
REPO_ROOT = GRADER_DIR.parent
PACKAGED_DIR = GRADER_DIR / "packaged"
PACKAGED = PACKAGED_DIR.is_dir()  # running from a built package, not the repository
_FILES_ROOT = PACKAGED_DIR if PACKAGED else REPO_ROOT

SOLUTION_DIR = _FILES_ROOT / "solution"
STARTER_DIR = _FILES_ROOT / "starter"
DATASETS_DIR = _FILES_ROOT / "datasets"
CHECKS_DIR = GRADER_DIR / "checks"
HIDDEN_CHECKS_DIR = GRADER_DIR / "hidden"
# The reference answers, recorded from the solution where it is not shipped (exports),
# and their digest, written beside them (`<digest>  reference_values.npz`).
REFERENCE_VALUES = GRADER_DIR / "reference_values.npz"
REFERENCE_CHECKSUM = GRADER_DIR / "reference_values.sha256"

# Where the given code is looked for: the starter's (in this repository, or a package built
# from it), else the copy the exports ship in the grader (grader.lab.GIVEN_CODE).
GIVEN_CODE_FOLDERS = (_FILES_ROOT, REPO_ROOT)
# Marks the course's own repository, where classroom.yml grades solution/ (never exported).
COURSE_MARKER = _FILES_ROOT / ".course-repository"

# What `python -m grader` grades when given no path: the starter in this repository, the
# student's own folder in the template (which has no starter/) and in a built package.
DEFAULT_SUBMISSION = STARTER_DIR if STARTER_DIR.is_dir() and not PACKAGED else Path(".")


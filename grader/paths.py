"""Where the repository's parts live, so no module guesses paths on its own."""

from pathlib import Path

GRADER_DIR = Path(__file__).resolve().parent
REPO_ROOT = GRADER_DIR.parent
SOLUTION_DIR = REPO_ROOT / "solution"
STARTER_DIR = REPO_ROOT / "starter"
DATASETS_DIR = REPO_ROOT / "datasets"
CHECKS_DIR = GRADER_DIR / "checks"
HIDDEN_CHECKS_DIR = GRADER_DIR / "hidden"
# The reference answers, recorded from the solution where it is not shipped (exports).
REFERENCE_VALUES = GRADER_DIR / "reference_values.npz"
# Marks the course's own repository, where classroom.yml grades solution/ (never exported).
COURSE_MARKER = REPO_ROOT / ".course-repository"

# What `python -m grader` grades when given no path: the starter in this repository, the
# student's own folder in the template (which has no starter/).
DEFAULT_SUBMISSION = STARTER_DIR if STARTER_DIR.is_dir() else Path(".")

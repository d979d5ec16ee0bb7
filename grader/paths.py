"""Where the repository's parts live, so no module guesses paths on its own."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = REPO_ROOT / "solution"
STARTER_DIR = REPO_ROOT / "starter"
DATASETS_DIR = REPO_ROOT / "datasets"

# What `python -m grader` grades when given no path: the starter in this repository, the
# student's own folder in the template (which has no starter/).
DEFAULT_SUBMISSION = STARTER_DIR if STARTER_DIR.is_dir() else Path(".")

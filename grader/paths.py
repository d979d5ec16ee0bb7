"""Where the repository's parts live, so no module guesses paths on its own."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOLUTION_DIR = REPO_ROOT / "solution"
STARTER_DIR = REPO_ROOT / "starter"
DATASETS_DIR = REPO_ROOT / "datasets"

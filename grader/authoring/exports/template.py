"""The student template: the repository a course publishes for students to fork.

    python -m grader export-template OUT

Holds the starter (at the top level, where students work), the notebook, the grader
with its checks and stored reference values, the data, the autograding workflow, a
README for students; and no solution.
"""

import shutil
from pathlib import Path

from grader.authoring.exports import ASSETS, REFERENCE_FILE, copy_files, record_reference_values
from grader.lab import GRADER_FILES, STUDENT_FILES

ASSET_FILES = (("README.md", "README.md"), ("Makefile", "Makefile"), ("gitignore", ".gitignore"),
               ("grade.py", "grade.py"))


def export_template(out):
    """Write the template into the new directory `out`; returns its path."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: choose a new directory")
    out.mkdir(parents=True, exist_ok=True)
    copy_files(GRADER_FILES + STUDENT_FILES, out)
    for source, target in ASSET_FILES:
        shutil.copy2(ASSETS / source, out / target)
    record_reference_values(out / REFERENCE_FILE)
    return out

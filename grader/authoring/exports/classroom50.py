"""The Classroom 50 bundle: the per-assignment autograder of a Classroom 50 course.

    python -m grader export-classroom50 OUT

OUT holds autograder.py (the entry point Classroom 50's runner runs, with the student's
checkout as working directory), the grader files the template ships (GRADER_FILES) and
the stored reference values. The course commits OUT as
<classroom>/autograders/<assignment>/ in its classroom50 repository; Pages serves it as
a tarball anyone can fetch, so the bundle holds no hidden check and no solution.
"""

import shutil
from pathlib import Path

from grader.authoring.exports import ASSETS, REFERENCE_FILE, copy_files, record_reference_values
from grader.lab import GRADER_FILES

ENTRY_POINT = "autograder.py"
SIZE_LIMIT = 10 * 1024 * 1024  # bytes of the tarball Classroom 50's runner fetches, at most


def export_classroom50(out):
    """Write the bundle into the new directory `out`; returns its path."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: choose a new directory")
    out.mkdir(parents=True, exist_ok=True)
    copy_files(GRADER_FILES, out)
    shutil.copy2(ASSETS / ENTRY_POINT, out / ENTRY_POINT)
    record_reference_values(out / REFERENCE_FILE)
    size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    if size > SIZE_LIMIT:  # uncompressed: the tarball is smaller still
        raise RuntimeError(f"the bundle is {size} bytes, over Classroom 50's {SIZE_LIMIT}")
    return out

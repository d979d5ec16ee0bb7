"""What the course publishes, built from this repository: the student template
(`template.py`), the Gradescope autograder (`gradescope.py`) and the Classroom 50 bundle
(`classroom50.py`). All ship the grader without the solution, so all need the reference
answers stored in advance."""

import shutil
import tempfile
from pathlib import Path

from grader.lab import DEFAULT_LOSS, LOSSES, NOT_SHIPPED, SUBMISSION_FILE
from grader.paths import REFERENCE_CHECKSUM, REFERENCE_VALUES, REPO_ROOT, SOLUTION_DIR

ASSETS = Path(__file__).resolve().parent / "assets"
REFERENCE_FILE = REFERENCE_VALUES.relative_to(REPO_ROOT)
IGNORED = shutil.ignore_patterns(*NOT_SHIPPED)


def copy_files(pairs, destination):
    """Copy files and trees (relative to the repository) into destination."""
    for source, target in pairs:
        source, target = REPO_ROOT / source, Path(destination) / target
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=IGNORED)
        else:
            shutil.copy2(source, target)


def record_reference_values(path):
    """Grade the solution (with each LOSS) and store every reference answer used in `path`;
    its digest goes beside it (REFERENCE_CHECKSUM's name), for the grader to verify."""
    from grader.grade import grade
    from grader.session.datasets import sha256

    solution = (SOLUTION_DIR / SUBMISSION_FILE).read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as scratch:
        for kind in LOSSES:
            folder = Path(scratch) / kind
            folder.mkdir()
            declared = solution.replace(f'LOSS = "{DEFAULT_LOSS}"', f'LOSS = "{kind}"', 1)
            (folder / SUBMISSION_FILE).write_text(declared, encoding="utf-8")
            results = grade(folder, out_dir=folder / "out", record_reference=path)
            if results.score < results.max_score:
                raise RuntimeError(f"the solution with LOSS = {kind!r} scores {results.score}: "
                                   "fix it before exporting")
    path = Path(path)
    path.with_name(REFERENCE_CHECKSUM.name).write_text(f"{sha256(path)}  {path.name}\n",
                                                       encoding="utf-8", newline="\n")
    return path

"""The Gradescope autograder: a zip with setup.sh, run_autograder, the grader and the
stored reference values.

    python -m grader export-gradescope OUT.zip

On Gradescope, setup.sh installs the dependencies into /autograder/source/.venv when
the image is built; run_autograder grades /autograder/submission into
/autograder/results/results.json. Both honour AUTOGRADER_ROOT (default /autograder) so
the zip can be tried in any folder.
"""

import tempfile
import zipfile
from pathlib import Path

from grader.authoring.exports import ASSETS, REFERENCE_FILE, copy_files, record_reference_values
from grader.lab import GRADER_FILES

SCRIPTS = ("setup.sh", "run_autograder")


def export_gradescope(zip_path):
    """Write the autograder zip at zip_path; returns its path."""
    zip_path = Path(zip_path)
    with tempfile.TemporaryDirectory() as scratch:
        staging = Path(scratch)
        copy_files(GRADER_FILES, staging)
        record_reference_values(staging / REFERENCE_FILE)
        zip_path.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in SCRIPTS:
                info = zipfile.ZipInfo(name)
                info.external_attr = 0o755 << 16  # executable once unpacked
                archive.writestr(info, (ASSETS / name).read_text(encoding="utf-8"))
            for path in sorted(staging.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(staging).as_posix())
    return zip_path

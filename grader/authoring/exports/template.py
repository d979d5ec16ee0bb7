"""The student template: the repository a course publishes for students to fork.

    python -m grader export-template OUT [--for actions|classroom50]

Holds the starter (at the top level, where students work), the notebook, the grader
with its checks and stored reference values, the data, a README for students; and no
solution. Where it is graded decides the rest (HOSTS):
- actions: its own workflow, .github/workflows/classroom.yml, grades every push;
- classroom50: Classroom 50's runner grades it with the course's bundle
  (export-classroom50), so the template has no workflow of its own (one would grade every
  push a second time, and Classroom 50 adds its own to each student's repository).
"""

import shutil
from pathlib import Path

from grader import lab
from grader.authoring.exports import ASSETS, REFERENCE_FILE, copy_files, record_reference_values
from grader.lab import BONUS_POINTS, GRADER_FILES, STUDENT_FILES, TOTAL

ASSET_FILES = (("Makefile", "Makefile"), ("gitignore", ".gitignore"), ("grade.py", "grade.py"))
# {host: the files of this repository the template ships besides GRADER_FILES}
HOSTS = {"actions": STUDENT_FILES,
         "classroom50": tuple(pair for pair in STUDENT_FILES if not pair[1].startswith(".github/"))}
DEFAULT_HOST = "actions"
# The README's words for each bonus setting (grader.lab.BONUS).
BONUS_WORDS = {
    "cap": "they make up points lost elsewhere, up to the {total} (the total never exceeds "
           "it); unwritten, they are simply not graded.",
    "extra": "they count on top of the {total}, up to {most}; unwritten, they are simply not "
             "graded.",
}


def readme(host):
    """The students' README for `host`: how it is graded there, and how the bonus counts."""
    bonus = sum(BONUS_POINTS.values())
    maximum = TOTAL + bonus if lab.BONUS == "extra" else TOTAL
    text = (ASSETS / "README.md").read_text(encoding="utf-8")
    on_github = (ASSETS / f"README-{host}.md").read_text(encoding="utf-8")
    return (text.replace("{{ON_GITHUB}}\n", on_github)
            .replace("{{BONUS}}", BONUS_WORDS[lab.BONUS].format(total=TOTAL, most=TOTAL + bonus))
            .replace("{{MAXIMUM}}", str(maximum)))


def export_template(out, host=DEFAULT_HOST):
    """Write the template for `host` (one of HOSTS) into the new directory `out`; returns
    its path."""
    if host not in HOSTS:
        raise ValueError(f"unknown host {host!r}: use one of {', '.join(HOSTS)}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} exists and is not empty: choose a new directory")
    out.mkdir(parents=True, exist_ok=True)
    copy_files(GRADER_FILES + HOSTS[host], out)
    for source, target in ASSET_FILES:
        shutil.copy2(ASSETS / source, out / target)
    (out / "README.md").write_text(readme(host), encoding="utf-8")
    record_reference_values(out / REFERENCE_FILE)
    return out

"""From the command line's SUBMISSION arguments to a list of submissions to grade.

An argument is a directory holding a backprop.py or a notebook (a cloned repository,
an unpacked folder), a .py file, a .ipynb notebook, a .zip as the lab is handed in
(DL_LAB1_<studentID>_<name>.zip), or a directory whose children are such submissions.
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.intake.locate import SKIPPED_FOLDERS, SUBMISSION_FILE

ZIP_NAME = re.compile(r"^DL_LAB1_(?P<id>[^_]+)_(?P<name>.+)$", re.IGNORECASE)
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
SUFFIXES = (".py", ".ipynb", ".zip")


@dataclass(frozen=True)
class Entry:
    """One submission: a unique name (the grade sheet's key), the student, its path."""

    name: str
    student: str
    path: Path


def student_of(path):
    """The student a submission belongs to, read from its file or folder name."""
    stem = path.stem if path.is_file() else path.name
    match = ZIP_NAME.match(stem)
    return f"{match['id']} {match['name']}" if match else stem


def holds_submission(folder):
    """Whether a folder is itself one submission (a backprop.py or a notebook in it)."""
    return any(not SKIPPED_FOLDERS & set(path.relative_to(folder).parts)
               for pattern in (SUBMISSION_FILE, "*.ipynb") for path in folder.rglob(pattern))


def class_folder_children(folder):
    """The submissions a folder holds when it is a folder of submissions, else None.

    A folder with backprop.py at its top is one submission; so is a folder whose only
    candidate child is a notebook, or a subfolder holding code (an unpacked hand-in
    nesting its code). Otherwise every subfolder, .py, .ipynb and .zip in it is a
    submission, also one without code: its row then says so.
    """
    if (folder / SUBMISSION_FILE).is_file():
        return None
    children = sorted(child for child in folder.iterdir()
                      if not child.name.startswith(".") and child.name not in SKIPPED_FOLDERS
                      and (child.is_dir() or child.suffix.lower() in SUFFIXES))
    if len(children) == 1 and (children[0].suffix == ".ipynb" or (
            children[0].is_dir() and holds_submission(children[0]))):
        return None
    return children or None


def expand(arguments):
    """Paths of the submissions the arguments name, in a stable order."""
    found = []
    for argument in map(Path, arguments):
        children = class_folder_children(argument) if argument.is_dir() else None
        # A missing path is kept: its row says it is missing.
        found += children if children is not None else [argument]
    return found


def collect(arguments):
    """[Entry] for the arguments, with unique names (a -2, -3 suffix on clashes)."""
    entries, taken = [], set()
    for path in expand(arguments):
        base = path.stem if path.suffix.lower() in SUFFIXES else path.name
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name)
        entries.append(Entry(name=name, student=student_of(path), path=path))
    return entries


class BadArchive(ValueError):
    pass


def unpack(archive, destination):
    """Extract a submission zip safely (no absolute or .. paths, bounded size)."""
    try:
        with zipfile.ZipFile(archive) as opened:
            members = opened.infolist()
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise BadArchive(f"{archive.name} unpacks to more than 200 MB")
            for member in members:
                target = (destination / member.filename).resolve()
                if not target.is_relative_to(destination.resolve()):
                    raise BadArchive(f"{archive.name} holds a path outside the archive: "
                                     f"{member.filename}")
            opened.extractall(destination)
    except zipfile.BadZipFile as error:
        raise BadArchive(f"{archive.name} is not a readable zip: {error}") from None
    return destination

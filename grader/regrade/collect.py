"""From the command line's SUBMISSION arguments to a list of submissions to grade.

An argument is a directory holding a backprop.py or a notebook (a cloned repository,
an unpacked folder), a .py file, a .ipynb notebook, a .zip as the lab is handed in
(DL_LAB1_<studentID>_<name>.zip), or a directory whose children are such submissions.
"""

import hashlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.intake.locate import SKIPPED_FOLDERS, SUBMISSION_FILE
from grader.regrade.identity import Identity, identity_of

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
SUFFIXES = (".py", ".ipynb", ".zip")


@dataclass(frozen=True)
class Entry:
    """One submission: a unique name (the grade sheet's key), its path, the student."""

    name: str
    path: Path
    identity: Identity = field(default_factory=Identity)


def content_hash(path):
    """SHA-256 of a submission's content (file names and bytes), "" when it is missing.

    --resume regrades a submission whose hash changed (a corrected resubmission).
    """
    path = Path(path)
    digest = hashlib.sha256()
    if path.is_file():
        digest.update(path.read_bytes())
    elif path.is_dir():
        for child in sorted(p for p in path.rglob("*") if p.is_file()
                            and not SKIPPED_FOLDERS & set(p.relative_to(path).parts)):
            digest.update(child.relative_to(path).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(child.read_bytes()).digest())
    else:
        return ""
    return digest.hexdigest()[:16]


def inner_archive(folder):
    """The one .zip a folder holds when it holds no code (a Moodle download), else None."""
    if not folder.is_dir() or holds_submission(folder):
        return None
    archives = [child for child in sorted(folder.iterdir())
                if child.suffix.lower() == ".zip" and not child.name.startswith(".")]
    return archives[0] if len(archives) == 1 else None


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
        entries.append(Entry(name=name, path=path, identity=identity_of(path)))
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

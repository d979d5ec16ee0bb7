"""A hand-in opened to the folder its code is searched in: archives unpacked.

An archive (grader.intake.archives) is unpacked into a staging folder; so is the archive
a folder holds when it holds no code (a Moodle download's folder), and an archive found
in what was unpacked (a zip inside the hand-in zip), down to MAX_DEPTH levels. Of several
archives side by side the latest is opened, by the newest time stored inside each (the
hand-in's own clock: a download resets the files' times), and the others are named in
the notes. Nothing is written beside the original.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from grader.intake.archives import (
    BadArchive,
    Budget,
    archive_stem,
    describe_time,
    is_archive,
    newest_member_time,
    unpack,
)
from grader.intake.locate import Refused, kind, refuse_links, walk

MAX_DEPTH = 3  # archives inside archives opened


@dataclass
class Opened:
    """folder (or file) to search; notes for review as (kind, sentence)."""

    path: Path
    notes: list = field(default_factory=list)


def holds_code(files):
    return any(kind(path) for path in files)


def _archives(root, files):
    return [path for path in files if is_archive(path) and not path.name.startswith("._")]


def _pick(archives):
    """(the latest archive, the others): by the newest time inside, then name."""
    stamped = sorted(((newest_member_time(path) or 0, path.name, path) for path in archives),
                     reverse=True)
    return stamped[0][2], [path for _, _, path in stamped[1:]]


def _unpacked(archive, staging, budget, notes, label):
    """Unpack archive into a fresh folder of staging; links leaving it are refused."""
    # Named after the archive (it shows in messages), short enough for any file system.
    stem = archive_stem(archive.name)[:80].encode("utf-8")[:120].decode("utf-8", "ignore")
    staging = Path(staging() if callable(staging) else staging)
    destination = staging / f"{len(os.listdir(staging))}-{stem}"
    unpacked = unpack(archive, destination, budget)
    for name, target in unpacked.links:
        where = os.path.normpath(os.path.join(os.path.dirname(name), target))
        if target.startswith("/") or where == ".." or where.startswith("../"):
            raise Refused(f"{label} holds {name}, a link to {target}, outside the hand-in: "
                          "links are never followed; hand in the file itself")
        notes.append(("links", f"{label} holds the link {name} -> {target}, left out"))
    return destination


def open_handin(path, staging):
    """Opened for the hand-in at path, unpacking into staging (an empty folder, or a
    function that makes one when an archive is to be unpacked).

    Raises BadArchive (an archive that cannot be unpacked safely) and Refused (a link
    leaving the hand-in).
    """
    path, budget, notes = Path(path), Budget(), []
    if path.is_symlink():
        raise Refused(f"{path.name} is a link (to {os.readlink(path)}): links are never "
                      "followed; hand in the file itself")
    if path.is_file() and is_archive(path):
        label, depth = path.name, 1
        path = _unpacked(path, staging, budget, notes, label)
    elif path.is_dir():
        label, depth = None, 0
    else:
        return Opened(path)
    while True:
        files, links = walk(path)
        refuse_links(path, files, links)
        archives = _archives(path, files)
        if holds_code(files) or not archives:
            if archives and holds_code(files):
                notes.append(("archives", "also holds " + ", ".join(
                    a.relative_to(path).as_posix() for a in archives[:5])
                    + ", not opened (code was found beside it)"))
            return Opened(path, notes)
        if depth >= MAX_DEPTH:
            raise BadArchive(f"archives nested more than {MAX_DEPTH} deep: "
                             f"{archives[0].relative_to(path).as_posix()}")
        latest, others = _pick(archives)
        where = latest.relative_to(path).as_posix()
        if label is not None:
            notes.append(("nested", f"the code came from {where}, an archive inside {label}"))
        if others:
            notes.append(("archives", f"{len(archives)} archives: opened the latest, {where} "
                          f"({describe_time(newest_member_time(latest))}); not graded: "
                          + ", ".join(f"{o.relative_to(path).as_posix()} "
                                      f"({describe_time(newest_member_time(o))})"
                                      for o in others)))
        path = _unpacked(latest, staging, budget, notes, where)
        label, depth = where, depth + 1

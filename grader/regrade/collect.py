"""From the command line's SUBMISSION arguments to a list of submissions to grade (and
the files of each, gathered for its grade).

An argument is a directory holding a backprop.py or a notebook (a cloned repository,
an unpacked folder), a .py file, a .ipynb notebook, an archive as the lab is handed in
(DL_LAB1_<studentID>_<name>.zip, or .tar.gz, .7z, .rar), or a directory whose children
are such submissions.

Moodle's "Download all submissions" is understood: every folder (or file, without
"download as folders") of one participant number is one student's one submission, and
the online-text folders (`..._assignsubmission_onlinetext_`) are kept with it, never
graded as a submission of their own.

Each submission gets a name that is a safe, unique folder name under --out whatever the
hand-in is called (`...zip` is no way into the parent folder).
"""

import hashlib
import os
import re
import shutil
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.intake.archives import BadArchive, Budget, archive_stem, is_archive, unpack
from grader.intake.locate import DEEPEST, SKIPPED_FOLDERS, Refused, name_rank, walk
from grader.regrade.identity import Identity, identity_of, moodle_plugin

SUFFIXES = (".py", ".ipynb")  # besides archives, the files that are submissions
ONLINE_TEXT = "onlinetext"  # Moodle's online-text submission plugin
UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
# Bytes of a name (UTF-8), with room for a "-2" and for the files named after it: a
# file system's limit is 255 bytes, not characters (85 CJK characters reach it).
LONGEST_NAME = 100
# The kinds of file a regrade writes beside the submissions' folders (grades.csv,
# summary.md, similarity.md, histogram.png, warnings.txt, grades-moodle.csv): no
# submission's folder ends so, or it would take the place of one of them.
OUTPUT_SUFFIXES = (".csv", ".md", ".png", ".txt", ".json", ".html")
# Names Windows cannot create (a class's results are often opened there), with any suffix.
WINDOWS_RESERVED = re.compile(r"^(?:con|prn|aux|nul|com\d|lpt\d)(?:\..*)?$", re.IGNORECASE)
ONLINE_TEXT_BYTES = 1024 * 1024  # of a Moodle online text, kept beside the feedback
# A whole class's Moodle download, unpacked for the run (each hand-in in it has its own
# budget when it is graded).
DOWNLOAD_BYTES = 8 * 1024 ** 3
DOWNLOAD_MEMBERS = 200_000


@dataclass(frozen=True)
class Entry:
    """One submission: a unique name (the grade sheet's key), its path, the student.

    extra: more hand-ins of the same student in one Moodle download (graded together,
    as one folder); online_text: the student's Moodle online-text folders.
    """

    name: str
    path: Path
    identity: Identity = field(default_factory=Identity)
    extra: tuple = ()
    online_text: tuple = ()

    @property
    def paths(self):
        return (self.path, *self.extra, *self.online_text)


def _hashed(root):
    """What content_hash reads of a folder: its links wherever they are, its files but
    those of skipped folders (a search's depth down at most)."""
    top = len(root.parts)
    for folder, folders, names in os.walk(root, followlinks=False):
        here = Path(folder)
        if len(here.parts) - top >= DEEPEST:
            folders[:] = []
        for path in (here / name for name in folders + names):
            if path.is_symlink() or path.is_file() and not SKIPPED_FOLDERS & set(
                    path.relative_to(root).parts):
                yield path


def content_hash(*paths):
    """SHA-256 of submissions' content (file names and bytes), "" when all are missing.

    --resume regrades a submission whose hash changed (a corrected resubmission).
    """
    digest, found = hashlib.sha256(), False
    for path in map(Path, paths):
        if path.is_symlink():
            found = True
            digest.update(b"link\0" + str(path.readlink()).encode())
        elif path.is_file():
            found = True
            digest.update(path.read_bytes())
        elif path.is_dir():
            found = True
            # Links are hashed as what they say, never read through.
            for child in sorted(_hashed(path)):
                if child.is_symlink():
                    digest.update(b"link\0" + str(child.readlink()).encode())
                    continue
                digest.update(child.relative_to(path).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(child.read_bytes()).digest())
    return digest.hexdigest()[:16] if found else ""


def holds_submission(folder):
    """Whether a folder is itself one submission (a backprop.py or a notebook in it)."""
    return any(path.suffix.lower() == ".ipynb" or (
               path.suffix.lower() == ".py" and name_rank(path) < 2) for path in walk(folder)[0])


def is_submission_file(path):
    return path.suffix.lower() in SUFFIXES or is_archive(path)


def class_folder_children(folder):
    """The submissions a folder holds when it is a folder of submissions, else None.

    A folder with backprop.py (in any case, or a copy's name) at its top is one
    submission; so is a folder whose only candidate child is a notebook, or a subfolder
    holding code (an unpacked hand-in nesting its code). Otherwise every subfolder, .py,
    .ipynb and archive in it is a submission, also one without code: its row says so.
    """
    if any(child.suffix.lower() == ".py" and name_rank(child) < 2 and child.is_file()
           for child in folder.iterdir()):
        return None
    # A dotted name is hidden (.git, .DS_Store, macOS's ._ shadows), unless it is a
    # hand-in file: a student's "...zip" has its row too.
    children = sorted(child for child in folder.iterdir()
                      if child.name not in SKIPPED_FOLDERS and not child.name.startswith("._")
                      and (is_submission_file(child) and child.is_file() or (
                          child.is_dir() and not child.name.startswith("."))))
    if len(children) == 1 and (children[0].suffix.lower() == ".ipynb" or (
            children[0].is_dir() and holds_submission(children[0]))):
        return None
    return children or None


def moodle_download(path):
    """For the zip of Moodle's "Download all submissions", the folder inside it that
    holds the students' folders or files (`..._assignsubmission_...`, most of its names):
    "" for its top, else that one folder's name; None for any other path."""
    if not (path.is_file() and path.suffix.lower() == ".zip"):
        return None
    try:
        with zipfile.ZipFile(path) as opened:
            names = [PurePosixPath(name).parts for name in opened.namelist()]
    except (zipfile.BadZipFile, OSError):
        return None
    for depth in (0, 1):  # the students at the top, or in the one folder there
        wrapper = {parts[0] for parts in names if len(parts) > depth} if depth else {""}
        tops = {parts[depth] for parts in names if len(parts) > depth}
        moodle = sum(1 for top in tops if moodle_plugin(top))
        if len(wrapper) == 1 and moodle and moodle * 2 >= len(tops):
            return wrapper.pop()
    return None


def expand(arguments, downloads=None, out=None):
    """Paths of the submissions the arguments name, in a stable order.

    downloads: a folder where the zip of a whole Moodle download is unpacked (into a
    folder named after it), to be expanded as the class folder it holds. out: the run's
    --out, never a submission when it is inside the class's folder (a rerun would grade
    the results, and write into what it grades).
    """
    found, results = [], Path(os.path.abspath(out)) if out is not None else None
    for argument in map(Path, arguments):
        inside = moodle_download(argument) if downloads is not None else None
        if inside is not None:
            folder = Path(downloads) / archive_stem(argument.name)[:80]
            try:
                unpack(argument, folder, Budget(DOWNLOAD_BYTES, DOWNLOAD_MEMBERS))
                argument = folder / inside
            except (BadArchive, Refused):
                pass  # graded as one archive: its row says why it cannot be read
        children = class_folder_children(argument) if argument.is_dir() else None
        # A missing path is kept: its row says it is missing.
        if children is not None and results is not None:
            children = [child for child in children
                        if not Path(os.path.abspath(child)).is_relative_to(results)]
        found += children if children is not None else [argument]
    return found


def safe_name(text, longest=LONGEST_NAME):
    """A folder name for text, safe on any file system: no separators, control
    characters, leading dots or trailing dots and spaces, at most `longest` bytes, never
    the name of a regrade's own file nor a name Windows reserves; "submission" when
    nothing is left."""
    text = UNSAFE.sub("_", unicodedata.normalize("NFC", str(text))).strip().lstrip(".")
    text = text.encode("utf-8")[:longest].decode("utf-8", "ignore").rstrip(". ")
    if text.lower().endswith(OUTPUT_SUFFIXES):
        stem, _, suffix = text.rpartition(".")
        text = f"{stem}_{suffix}"
    if WINDOWS_RESERVED.match(text):
        text = f"{text}_"
    return text or "submission"


def shortened(name, longest=LONGEST_NAME):
    """A file's name cut to `longest` bytes, its suffix kept (a name already on the disk
    may take all of a file system's 255 bytes, and a prefix added would overflow it)."""
    suffix = Path(name).suffix if len(Path(name).suffix) <= 16 else ""
    stem = name[: len(name) - len(suffix)].encode("utf-8")
    return stem[: longest - len(suffix.encode("utf-8"))].decode("utf-8", "ignore") + suffix


def _grouped(paths):
    """[(paths handed in, online-text paths)], one item per student of a Moodle download
    (by its folder and participant number), one per path otherwise."""
    groups, order = {}, []
    for path in paths:
        participant = identity_of(path).participant
        key = (str(path.parent), participant) if participant else (str(path), None)
        if key not in groups:
            groups[key] = ([], [])
            order.append(key)
        groups[key][moodle_plugin(path.name) == ONLINE_TEXT].append(path)
    return [groups[key] for key in order]


def collect(arguments, downloads=None, out=None):
    """[Entry] for the arguments, with unique safe names (a -2, -3 suffix on clashes).
    downloads, out: see expand."""
    entries, taken = [], set()
    for handed_in, online in _grouped(expand(arguments, downloads, out)):
        main, extra = (handed_in[0], tuple(handed_in[1:])) if handed_in else (online[0], ())
        online = tuple(online)  # kept with the row, also when it is all there is
        base = safe_name(archive_stem(main.name) if is_archive(main) else Path(main.name).stem
                         if main.suffix.lower() in SUFFIXES else main.name)
        name, number = base, 1
        while name.casefold() in taken:  # one folder where names differ in case only
            number += 1
            name = f"{base}-{number}"
        taken.add(name.casefold())
        found = identity_of(main)
        for other in extra:
            if not found.student_id:
                found = identity_of(other) if identity_of(other).student_id else found
        entries.append(Entry(name=name, path=main, identity=found, extra=extra,
                             online_text=online))
    return entries


def _copied(source, target):
    """Copy one entry of a hand-in for gathered: a link as a link; a file with other hard
    links as one more hard link (or, across file systems, a link to where it is), so that
    the grade refuses it as it refuses the original; a pipe or a device not at all (a
    copy would block, or read forever)."""
    found = os.lstat(source)
    if stat.S_ISLNK(found.st_mode):
        os.symlink(os.readlink(source), target)
    elif stat.S_ISREG(found.st_mode) and found.st_nlink > 1:
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError:
            os.symlink(os.path.abspath(source), target)
    elif stat.S_ISREG(found.st_mode):
        shutil.copy2(source, target)
    return target


def _below(root):
    """copytree's ignore: nothing deeper than a search goes (copytree recurses a level at
    a time, and would end in RecursionError)."""
    top = len(Path(root).parts)
    return lambda parent, names: names if len(Path(parent).parts) - top >= DEEPEST else []


def gathered(entry, folder):
    """The path to grade: entry.path, or for several hand-ins of one student in one
    Moodle download, a folder of copies of them all (see _copied)."""
    if not entry.extra:
        return entry.path
    folder.mkdir()
    for path in (entry.path, *entry.extra):
        if path.is_dir() and not path.is_symlink():
            shutil.copytree(path, folder / path.name, symlinks=True, copy_function=_copied,
                            ignore_dangling_symlinks=True, ignore=_below(path))
        else:
            _copied(path, folder / path.name)
    return folder


def keep_online_text(entry, out):
    """Copy the student's Moodle online text beside the row's feedback; the notes."""
    kept = []
    for number, folder in enumerate(entry.online_text, start=1):
        files = sorted(path for path in walk(folder)[0] if path.stat().st_nlink == 1) \
            if folder.is_dir() and not folder.is_symlink() else []  # no hard link is read
        for path in files[:5]:
            target = out / f"online_text-{number}-{shortened(path.name)}"
            target.write_bytes(path.read_bytes()[:ONLINE_TEXT_BYTES])
            kept.append(target.name)
    return [("online", f"the student's Moodle online text is kept as {', '.join(kept)}")] \
        if kept else []

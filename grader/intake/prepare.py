"""A submission made ready to grade: the file found, its folder copied, a notebook assembled.

An archive (or the one a folder holds) is first unpacked into a staging folder
(grader.intake.handin); the file to grade is found there (grader.intake.locate), and a
submission holding a link out of itself is refused before anything is read or copied.
The submission's folder is copied into a fresh temporary directory, which becomes the
worker's working directory, so nothing the submission does touches the original. A
notebook becomes the module of its definitions (grader.intake.notebook), written beside it;
handed in without the backprop.py it imports, the course's copy of the given code (the
starter's backprop.py, never the solution) is put beside it instead, so its helpers come
from the course and the graded functions the notebook does not define are stubs.
"""

import os
import shutil
import stat
from pathlib import Path

from grader.intake import scratch
from grader.intake.archives import BadArchive, printable
from grader.intake.encoding import as_utf8, read_notebook, read_source
from grader.intake.handin import open_handin
from grader.intake.locate import (
    DEEPEST,
    SKIPPED_FOLDERS,
    NotFound,
    Refused,
    find,
    script_variant,
)
from grader.lab import GIVEN_CODE, SUBMISSION_FILE
from grader.paths import GIVEN_CODE_FOLDERS

NOTEBOOK_MODULE = "notebook_submission.py"  # the module assembled from a notebook
LARGEST_COPIED_FILE = 5 * 1024 * 1024


def is_grader(folder, name):
    """Whether folder/name is the grader a student's repository ships (with its stored
    reference values): never part of what the worker sees."""
    path = Path(folder) / name
    return name == "reference_values.npz" or (name == "grader" and (path / "checks").is_dir())


def ordinary(path):
    """A file or a folder: what a submission's copy holds. A link is never followed, so
    never copied; nor is a file with other hard links (another name for a file elsewhere,
    in a folder the search for the hand-in skips, such as an environment's), nor a pipe
    or a device (a copy would block, or read forever)."""
    try:
        found = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode) or stat.S_ISREG(found.st_mode) and found.st_nlink == 1


def working_copy(source_file, into=None):
    """Copy the folder holding source_file into a new temp dir; returns (dir, file copy).

    into: the folder to make the temp dir in (default: the system's), emptied first: a
    sandboxed zygote's one writable folder, which its previous submission may have filled.
    """
    if into is not None:
        for leftover in Path(into).iterdir():
            if leftover.is_dir() and not leftover.is_symlink():
                scratch.remove(leftover)
            else:
                leftover.unlink(missing_ok=True)
    folder = scratch.make(into)

    top = len(source_file.parent.parts)

    def ignore(parent, names):  # tooling folders, links and special files (a FIFO would
        # block the copy), folders deeper than a search goes, and large files other than
        # the graded one
        deep = len(Path(parent).parts) - top >= DEEPEST
        return [name for name in names if name in SKIPPED_FOLDERS or is_grader(parent, name)
                or not ordinary(Path(parent) / name)
                or deep and (Path(parent) / name).is_dir() or (
            (Path(parent) / name) != source_file and (Path(parent) / name).is_file()
            and (Path(parent) / name).stat().st_size > LARGEST_COPIED_FILE)]

    try:
        shutil.copytree(source_file.parent, folder / "submission", ignore=ignore, symlinks=True)
    except BaseException:
        scratch.remove(folder)
        raise
    return folder, folder / "submission" / source_file.name


def given_code():
    """The course's copy of the given code (the starter's backprop.py), None if missing."""
    candidates = (folder / relative for folder, relative in zip(GIVEN_CODE_FOLDERS, GIVEN_CODE))
    return next((path for path in candidates if path.is_file()), None)


class Prepared:
    """A submission ready to grade. Use as a context manager, or call close().

    path: the module to import (in the copy), None when there is nothing to grade;
    problem: (kind, message) when the submission cannot be imported at all ("missing",
    "notebook"), or (kind, message, cause) for one refused ("integrity": a link out of
    it), else None; code: all the code submitted, for the static rules; notes: what a
    TA should review, as (kind, sentence) (grader.regrade.row.REVIEW);
    notebook: grader.intake.notebook.Assembled, for a notebook submission; given: for a
    notebook handed in without the backprop.py it imports, what stands in for it.
    """

    def __init__(self, path, into=None):
        """path: the submission (a file, a folder or an archive); into: where to copy it
        (see working_copy)."""
        self.folder = self.path = self.original = self.staging = None
        self.reason, self.code, self.notebook, self.problem = "", "", None, None
        self.given = ""  # what stands in for the backprop.py a notebook imports, if missing
        self.stood_in = False  # the given code was put beside the notebook as backprop.py
        self.notes = []  # (kind, sentence) a TA should review: grader.intake.locate
        self.shown = ""  # the graded file's name within the hand-in
        parsed = {}  # the notebooks locate read, so that none is parsed twice
        try:
            opened = open_handin(path, self._staging)
            found = find(opened.path, parsed)
        except Refused as error:
            self.problem = ("integrity", str(error), "integrity")
            return
        except (NotFound, BadArchive) as error:
            self.problem = ("missing", str(error))
            return
        except OSError as error:  # unreadable on the disk (permissions, a name too long)
            self.problem = ("missing", f"the submission could not be read: {error}")
            return
        self.notes = opened.notes + found.notes
        self.original, self.reason = found.file, found.reason
        root = Path(opened.path).resolve()
        root = root if root.is_dir() else root.parent
        self.shown = (self.original.relative_to(root).as_posix()
                      if self.original.is_relative_to(root) else self.original.name)
        try:
            self.folder, self.path = working_copy(self.original, into)
            if self.path.suffix.lower() == ".ipynb":
                self._assemble_notebook(parsed.get(self.original))
            else:
                self._as_module()
                self._read_script()
        except (RecursionError, MemoryError):
            self.problem = ("notebook", f"{self.original.name} is nested too deeply or too "
                            "large to read")
        except BaseException:  # no `with` block will close what is half made
            self.close()
            raise

    def _as_module(self):
        """A `backprop.py.txt` (a .py renamed for an upload filter): its copy named .py,
        which Python imports."""
        if self.path.suffix.lower() == ".py":
            return
        target = self.path.with_name(SUBMISSION_FILE)
        target = target if not os.path.lexists(target) else self.path.with_suffix(".py")
        os.replace(self.path, target)
        self.path = target

    def _staging(self):
        """Where archives are unpacked, made when one is: only the grader reads it (the
        worker sees the copy); a scratch folder, so a grade killed midway leaves none."""
        if self.staging is None:
            self.staging = scratch.make()
        return self.staging

    def _read_script(self):
        """The .py's text, decoded as its editor saved it; a copy made UTF-8 (noted)."""
        self.code, encoding = read_source(self.path.read_bytes())
        if encoding:
            self.notes.append(("encoding", f"{self.shown} is not UTF-8: read as {encoding}"))
            self._write_copy(as_utf8(self.code))

    def _assemble_notebook(self, raw):
        """Grade the module made of the notebook's definitions (never its other cells)."""
        from grader.intake.notebook import NotebookError, assemble, given_names

        script, given, names = self.path.with_name(SUBMISSION_FILE), None, None
        variant = script_variant(self.path.parent)
        if variant is not None:  # "backprop (1).py": the backprop the notebook imports
            shutil.copyfile(variant, script)
            self.notes.append(("renamed", f"{variant.name} was imported as {SUBMISSION_FILE} "
                               "by the notebook"))
        if not script.is_file():  # handed in alone: the course's given code stands in
            given = given_code()
            names = given_names(given.read_text(encoding="utf-8")) if given else set()
        try:
            self.notebook = assemble(self.path, raw=raw, given=names)
        except NotebookError as error:
            self.problem = ("notebook", str(error))
            return
        encoding = read_notebook(self.path.read_bytes())[1]
        if encoding:
            self.notes.append(("encoding", f"{self.shown} is not UTF-8: read as {encoding}"))
        if names is not None and self._write_written(script):
            names = None  # the notebook's own backprop.py: its imports from it are kept whole
            self.notebook = assemble(self.path, validated=False, raw=raw)
        self.code = self.notebook.code
        self.path = self.path.with_name(NOTEBOOK_MODULE)
        self.path.write_text(self.notebook.source, encoding="utf-8")
        if names is not None and self.notebook.imports_backprop:
            self._stand_in(given, script)

    def _write_written(self, script):
        """Put the backprop.py the notebook's %%writefile cells write (what running them
        would leave) where the one not handed in would be; True when it did."""
        text = self.notebook.written.get(SUBMISSION_FILE)
        if text is None or not self.notebook.imports_backprop:
            return False
        try:
            script.unlink(missing_ok=True)  # a link planted there is removed, not followed
            handle = os.open(script, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0))
        except OSError:  # a folder of that name: the given code stands in, as without it
            return False
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        self.given = (f"no {SUBMISSION_FILE} beside it: the {SUBMISSION_FILE} its %%writefile "
                      "cell writes is graded with it")
        return True

    def _stand_in(self, given, script):
        """Put the given code where the missing backprop.py would be; say so in `given`."""
        if given is None:
            self.given = (f"no {SUBMISSION_FILE} beside it, and the grader has no copy of the "
                          "given code: the notebook's imports from backprop are left out")
            return
        shutil.copyfile(given, script)
        self.stood_in = True
        self.notes.append(("given", f"no {SUBMISSION_FILE} was handed in: the starter's given "
                           "code stood in for what the notebook imports from it"))
        self.given = (f"no {SUBMISSION_FILE} beside it: the notebook's own functions are graded, "
                      f"and what it imports from backprop comes from the starter's "
                      f"{SUBMISSION_FILE}")
        left_out = self.notebook.left_out
        if left_out:
            self.given += f" (which has no {', '.join(dict.fromkeys(left_out))})"

    def definitions_only(self, leave_out=()):
        """For a re-import of a .py whose import did not work: rewrite its copy to its
        definitions only (grader.intake.definitions; leave_out: the first lines of
        constants to leave out too), from the text read before anything ran. Returns the
        Definitions; None for a notebook (its module is that already) or a file that does
        not parse."""
        from grader.intake.definitions import definitions_only

        if self.notebook is not None or self.path is None:
            return None
        definitions = definitions_only(self.code, leave_out)
        if definitions is not None and definitions.left_out:
            if not self._write_copy(definitions.source):
                return None
        return definitions

    def _write_copy(self, text):
        """Replace the copy of the graded file by text; False when the submission's run
        turned its folder into a link (a file written there could land anywhere)."""
        if any(folder.is_symlink() for folder in (self.folder, self.path.parent)):
            return False
        self.path.unlink(missing_ok=True)  # a link planted there is removed, not followed
        try:
            handle = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                             | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return False
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        return True

    @property
    def graded(self):
        """Which file is graded and why, for the report."""
        if self.original is None:
            return "nothing (no file to grade)"
        # One line: a name in the hand-in may hold line breaks (a table, a log, a cell).
        return printable(f"{self.shown or self.original.name} ({self.given or self.reason})")

    def close(self):
        if self.folder is not None:
            scratch.remove(self.folder)
            self.folder = None
        if self.staging is not None:
            scratch.remove(self.staging)
            self.staging = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

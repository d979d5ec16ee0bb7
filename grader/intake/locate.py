"""Which file of a submission is graded.

A submission is a .py, a notebook, or a directory holding them at any depth (a folder
unpacked from a zip often nests its code). In a directory every candidate is weighed:
- a .py named backprop.py, or so in another case or with a browser's or a system's
  duplicate suffix (`Backprop.py`, `backprop (1).py`, `backprop-1.py`, `backprop copy.py`),
  or renamed .txt for an upload filter (`backprop.py.txt`);
- any other .py that defines functions of the contract (a hand-in under its own name);
- any notebook.
The fixed rule: the candidate defining the most graded functions with a real body; on a
tie the contract's own name (backprop.py, lab1.ipynb) before a variant before another
name, then the shallowest, a .py before a notebook, then name order. The report says
which file was graded and why, and `notes` what a TA should look at (another name, other
candidates that define graded functions). When nothing is found, the reason lists what
the folder holds.

Links are never followed: a symbolic link leaving the submission, or a file with other
hard links (a name for a file elsewhere on the disk), refuses the whole submission
(`Refused`, an integrity problem); a link staying inside it is ignored.
"""

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from grader.lab import CONTRACT_FUNCTIONS, NOTEBOOK_FILE, SUBMISSION_FILE

# Never where a submission's file is: archives' debris, caches, environments, and the
# template's grader/ (which ships the starter's given code as grader/given/backprop.py).
SKIPPED_FOLDERS = {"__MACOSX", "__pycache__", ".git", ".venv", "node_modules", "grader",
                   ".ipynb_checkpoints"}
# Bytes of code of a .py, or of a notebook's code cells, that the grader parses: the
# solution has 17 KB, and Python's syntax tree takes about 500 bytes of memory per byte
# of dense code (a 5 MB list literal takes 2.5 GB to parse, and it is parsed more than once).
LARGEST_CODE = 512 * 1024
# A larger .py or notebook (outputs included) is no hand-in of this lab.
LARGEST_CANDIDATE = {".py": LARGEST_CODE, ".ipynb": 50 * 1024 * 1024}
LISTED = 15  # entries named when nothing is found
# Folders below a hand-in's top that are searched (and copied, hashed, listed): no
# hand-in nests its code deeper, and Python's own walks of a tree (os.walk, rglob,
# copytree, before 3.12) end in RecursionError near 1000 levels.
DEEPEST = 40
# A copy's suffix: "(1)", "-1", "_2", " copy", " - Copy", " copy 2", "副本", "複本".
DUPLICATE = r"(?:[\s_\-]*(?:\(\d+\)|\d{1,2}|copy(?:\s*\d+)?|副本|複本|拷貝))*"


class NotFound(ValueError):
    """No file to grade; the message says what to do."""


class Refused(NotFound):
    """A submission holding a link that leaves it: never followed, never graded."""


def kind(path):
    """".py" or ".ipynb" for a file that may be a hand-in, else None. A `backprop.py.txt`
    or `backprop.txt` is a .py renamed to pass an upload filter that refuses .py files."""
    suffix = path.suffix.lower()
    if suffix in (".py", ".ipynb"):
        return suffix
    stem = Path(SUBMISSION_FILE).stem
    if suffix == ".txt" and re.fullmatch(re.escape(stem) + DUPLICATE + r"(?:\.py)?" + DUPLICATE,
                                         path.stem.strip(), re.IGNORECASE):
        return ".py"
    return None


@dataclass
class Found:
    file: Path
    reason: str
    notes: list = field(default_factory=list)  # for review: (kind, sentence)


def name_rank(path):
    """0: the contract's own name; 1: it in another case or with a duplicate suffix; 2:
    another name."""
    expected = SUBMISSION_FILE if kind(path) == ".py" else NOTEBOOK_FILE
    if path.name == expected:
        return 0
    stem = Path(expected).stem
    if path.suffix.lower() == ".txt":
        return 1 if kind(path) else 2
    return 1 if re.fullmatch(re.escape(stem) + DUPLICATE, path.stem.strip(),
                             re.IGNORECASE) else 2


def _outside(link, root):
    target = Path(os.path.realpath(link))
    return not target.is_relative_to(os.path.realpath(root))


def _environment(folder):
    """Whether folder is a Python environment (a venv, a conda env) under any name: its
    links to the system's Python are no part of the hand-in."""
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


def walk(root):
    """(files, links) under root: its regular files (not in skipped folders or
    environments, not macOS's `._` shadows, at most DEEPEST folders down) and the links
    among its entries. Links are never descended into."""
    files, links, top = [], [], len(Path(root).parts)
    for folder, folders, names in os.walk(root, followlinks=False):
        here = Path(folder)
        kept = []
        for name in sorted(folders):
            if (here / name).is_symlink():
                links.append(here / name)
            elif name not in SKIPPED_FOLDERS and not _environment(here / name):
                kept.append(name)
        folders[:] = kept if len(here.parts) - top < DEEPEST else []
        for name in sorted(names):
            if (here / name).is_symlink():
                links.append(here / name)
            elif not name.startswith("._") and (here / name).is_file():  # no pipes, devices
                files.append(here / name)
    return files, links


def refuse_links(root, files, links):
    """Refused for a link leaving root, or a file with other hard links."""
    for link in links:
        if _outside(link, root):
            raise Refused(f"{link.relative_to(root)} is a link to {os.readlink(link)}, outside "
                          "the submission: links are never followed; hand in the file itself")
    for path in files:
        if path.stat().st_nlink > 1:
            raise Refused(f"{path.relative_to(root)} is a hard link (another name for a file "
                          "elsewhere on the disk): it is never read; hand in a copy")


def defined_functions(source):
    """The contract's function names that source defines at its top level."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(re.findall(r"^def\s+(\w+)", source, re.MULTILINE)) & set(CONTRACT_FUNCTIONS)
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)
            and node.name in CONTRACT_FUNCTIONS}


def _implemented_in(path, parsed):
    """How many graded functions a .py or .ipynb defines with a real body (-1 when a .py
    defines none: no candidate unless named backprop.py).

    parsed: {notebook path: its JSON}, filled in so that the notebook is parsed once.
    """
    from grader.intake.encoding import read_source
    from grader.intake.notebook import NotebookError, assemble, implemented, parse

    try:
        if path.suffix.lower() == ".ipynb":
            parsed[path.resolve()] = raw = parse(path)
            source = assemble(path, validated=False, raw=raw).source
        else:
            source = read_source(path.read_bytes())[0]
            if not defined_functions(source):
                return -1
    except (NotebookError, OSError, RecursionError, MemoryError):
        return 0
    try:
        return len(implemented(source, CONTRACT_FUNCTIONS))
    except (RecursionError, MemoryError, ValueError):
        return 0


CONTRACT_DEFINITION = re.compile(
    rb"^def\s+(?:" + "|".join(CONTRACT_FUNCTIONS).encode() + rb")\s*\(", re.MULTILINE)


def candidates(root, files, parsed, too_large=None):
    """[(rule key, path, graded functions)] of the files that may be the hand-in, best
    first. too_large: a list that receives the .py and .ipynb files left out for their
    size. The graded functions are counted only when there are several candidates."""
    pool = []
    for path in files:
        suffix = kind(path)
        if suffix is None:
            continue
        if path.stat().st_size > LARGEST_CANDIDATE[suffix]:
            if too_large is not None:
                too_large.append(path)
            continue
        if suffix == ".py" and name_rank(path) == 2 and not CONTRACT_DEFINITION.search(
                path.read_bytes()):
            continue  # a .py of another name that defines nothing of the contract
        pool.append(path)
    found = []
    for path in pool:
        count = _implemented_in(path, parsed) if len(pool) > 1 else 0
        if count < 0 and name_rank(path) == 2:
            continue  # its definitions are not at the top level
        depth = len(path.relative_to(root).parts)
        found.append(((-max(count, 0), name_rank(path), depth, kind(path) != ".py",
                       str(path)), path, max(count, 0)))
    return sorted(found)


def contents(root, files, limit=LISTED):
    """What a folder holds, for a reason: "report.pdf, data/x.csv, ..."."""
    names = sorted(path.relative_to(root).as_posix() for path in files)
    if not names:
        return "nothing (an empty folder)"
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _tie(count, named, key, runner_key):
    """Why the first of two candidates defining as many graded functions is graded, by
    the rule that decided it (the keys of `candidates`)."""
    both = (f"neither it nor {named} has a graded function written yet, or none that "
            "parses" if count == 0 else
            f"it and {named} define as many graded functions ({count})")
    if key[1] != runner_key[1]:
        decided = ("it has the contract's name" if key[1] == 0 else
                   f"it has a copy of {SUBMISSION_FILE}'s name")
    elif key[2] != runner_key[2]:
        decided = "it is in a shallower folder"
    elif key[3] != runner_key[3]:
        decided = "a .py goes before a notebook"
    else:
        decided = "it comes first in name order"
    return f"{both}, and {decided}"


def _why(best, others, root):
    """(reason, notes) for the candidate picked among others."""
    (key, path, count), notes = best, []
    rank = key[1]
    reason = {0: "the contract's name", 1: f"a copy of {SUBMISSION_FILE}'s name",
              2: "it defines the lab's functions"}[rank] if kind(path) == ".py" else \
        f"there is no {SUBMISSION_FILE}"
    if rank and kind(path) == ".py":
        notes.append(("renamed", f"graded {path.relative_to(root).as_posix()}, "
                      f"handed in under another name than {SUBMISSION_FILE}"))
    rivals = [(other, n) for _, other, n in others if n > 0]
    if others:
        runner_key, runner, runner_count = others[0]
        named = runner.relative_to(root).as_posix()
        reason = (f"it defines more graded functions ({count}) than {named} ({runner_count})"
                  if count > runner_count else _tie(count, named, key, runner_key))
        if len(others) > 1:
            reason += "; also not graded: " + ", ".join(
                f"{p.relative_to(root).as_posix()} ({n})" for _, p, n in others[1:6])
    if rivals:
        notes.append(("several", f"{len(rivals) + 1} files define graded functions: graded "
                      f"{path.relative_to(root).as_posix()} ({count}), not "
                      + ", ".join(f"{p.relative_to(root).as_posix()} ({n})"
                                  for p, n in rivals[:5])))
    return reason, notes


def find(path, parsed=None):
    """Found (file to grade, why, notes for review) for a .py, .ipynb or directory.

    Raises NotFound (saying what the folder holds), or Refused for a link leaving it.
    parsed: a dict that receives {notebook path: its JSON} of the notebooks read.
    """
    parsed = {} if parsed is None else parsed
    path = Path(path)
    if path.is_symlink():
        raise Refused(f"{path.name} is a link (to {os.readlink(path)}): links are never "
                      "followed; hand in the file itself")
    if path.is_file():
        if kind(path) is None:
            raise NotFound(f"{path} is neither a .py file nor a notebook")
        refuse_links(path.parent, [path], [])
        if path.stat().st_size > LARGEST_CANDIDATE[kind(path)]:
            raise NotFound(f"{path.name} is too large to be a hand-in "
                           f"({path.stat().st_size // 1024} KB, at most "
                           f"{LARGEST_CANDIDATE[kind(path)] // 1024} KB)")
        return Found(path.resolve(), "the file given")
    if not path.is_dir():
        raise NotFound(f"no file {path}: the submission must be a {SUBMISSION_FILE}, a "
                       "notebook, or a directory holding one")
    files, links = walk(path)
    refuse_links(path, files, links)
    too_large = []
    found = candidates(path, files, parsed, too_large)
    if not found:
        large = "".join(f"; {p.relative_to(path).as_posix()} is too large to be a hand-in "
                        f"({p.stat().st_size // 1024} KB, at most "
                        f"{LARGEST_CANDIDATE[kind(p)] // 1024} KB)"
                        for p in too_large[:3])
        raise NotFound(f"no {SUBMISSION_FILE}, notebook, or .py defining the lab's functions "
                       f"in {path}; it holds: {contents(path, files)}{large}")
    reason, notes = _why(found[0], found[1:], path)
    return Found(found[0][1].resolve(), reason, notes)


def locate(path, parsed=None):
    """(file to grade, why this one): see find."""
    found = find(path, parsed)
    return found.file, found.reason


def script_variant(folder):
    """A backprop.py under a variant name in folder (`Backprop.py`, `backprop (1).py`),
    for a notebook that imports backprop; None when there is none or an exact one."""
    folder = Path(folder)
    if (folder / SUBMISSION_FILE).exists():
        return None
    variants = sorted(child for child in folder.iterdir() if child.suffix.lower() == ".py"
                      and child.is_file() and not child.is_symlink() and name_rank(child) == 1)
    return variants[0] if variants else None

"""Which file of a submission is graded.

A submission is a backprop.py, a notebook, or a directory holding them, at its top or
one folder down (a folder unpacked from a zip often nests its code). When a directory
holds both, `locate` decides, and the report says which file was graded and why.
"""

from pathlib import Path

from grader.lab import CONTRACT_FUNCTIONS, NOTEBOOK_FILE, SUBMISSION_FILE

# Never where a submission's file is: archives' debris, caches, environments, and the
# template's grader/ (which ships the starter's given code as grader/given/backprop.py).
SKIPPED_FOLDERS = {"__MACOSX", "__pycache__", ".git", ".venv", "node_modules", "grader"}


class NotFound(ValueError):
    """No file to grade (or several, ambiguously); the message says what to do."""


def _shallowest(folder, pattern):
    """The files matching pattern at the smallest depth under folder (sorted)."""
    found = sorted(
        (len(path.relative_to(folder).parts), path) for path in folder.rglob(pattern)
        if not (SKIPPED_FOLDERS | {".ipynb_checkpoints"}) & set(path.relative_to(folder).parts))
    return [path for depth, path in found if depth == found[0][0]] if found else []


def _notebook_in(folder):
    notebooks = _shallowest(folder, "*.ipynb")
    preferred = [path for path in notebooks if path.name == NOTEBOOK_FILE]
    if preferred or len(notebooks) <= 1:
        return (preferred or notebooks or [None])[0]
    raise NotFound(f"several notebooks in {folder} ({', '.join(p.name for p in notebooks)}) "
                   f"and no backprop.py: name the one to grade {NOTEBOOK_FILE}")


def _implemented_in(path, parsed):
    """How many graded functions a .py or .ipynb defines with a real body.

    parsed: {notebook path: its JSON}, filled in so that the notebook is parsed once.
    """
    from grader.intake.notebook import NotebookError, assemble, implemented, parse

    try:
        if path.suffix == ".ipynb":
            parsed[path.resolve()] = raw = parse(path)
            source = assemble(path, validated=False, raw=raw).source
        else:
            source = path.read_text(encoding="utf-8", errors="replace")
    except NotebookError:
        return 0
    return len(implemented(source, CONTRACT_FUNCTIONS))


def locate(path, parsed=None):
    """(file to grade, why this one): a .py or .ipynb given, or the one in a directory.

    In a directory, the shallowest backprop.py and notebook count (a folder unpacked
    from a zip often nests them one level down): the backprop.py is graded, unless the
    notebook defines more of the graded functions. parsed: a dict that receives
    {notebook path: its JSON} of the notebooks read to decide.
    """
    parsed = {} if parsed is None else parsed
    path = Path(path)
    if path.is_file():
        if path.suffix not in (".py", ".ipynb"):
            raise NotFound(f"{path} is neither a .py file nor a notebook")
        return path.resolve(), "the file given"
    if not path.is_dir():
        raise NotFound(f"no file {path}: the submission must be a {SUBMISSION_FILE}, a "
                       "notebook, or a directory holding one")
    scripts = _shallowest(path, SUBMISSION_FILE)
    if len(scripts) > 1:
        raise NotFound(f"several {SUBMISSION_FILE} in {path} ({scripts[0]}, {scripts[1]}): "
                       "keep only the one to grade")
    try:
        notebook = _notebook_in(path)
    except NotFound:
        if not scripts:
            raise
        notebook = None  # several notebooks beside a backprop.py: the script it is
    if not scripts and notebook is None:
        raise NotFound(f"no {SUBMISSION_FILE} (and no notebook) in {path}")
    if not scripts:
        return notebook.resolve(), f"there is no {SUBMISSION_FILE}"
    if notebook is not None:
        in_script = _implemented_in(scripts[0], parsed)
        in_notebook = _implemented_in(notebook, parsed)
        if in_notebook > in_script:
            return notebook.resolve(), (f"it defines more graded functions ({in_notebook}) "
                                        f"than {SUBMISSION_FILE} ({in_script})")
    return scripts[0].resolve(), f"a folder's {SUBMISSION_FILE} is graded unless its notebook " \
                                 "defines more graded functions"

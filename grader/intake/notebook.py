"""Notebook submissions: turn a .ipynb into the module to grade, without running it.

The code cells are read with nbformat (validated); IPython magics and shell lines are
dropped; of each cell only the top-level imports, function and class definitions and
constant assignments are kept (decided on the syntax tree), so training loops, plots
and prints never run. Cells are kept in order, so a later definition of a name wins,
as it would in Jupyter. A cell that does not parse is skipped and named. A notebook
that imports backprop gets `from backprop import *` first, so what it does not define
itself comes from backprop.py.

Nothing here executes the notebook: it is parsed in the grader's process.
"""

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

MAX_NOTEBOOK_BYTES = 200 * 1024 * 1024
KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# The line that brings in-notebook feedback (grader/inline.py) into a cell: tooling, like
# a magic, and no import of the submission's.
CHECK_IMPORT = re.compile(r"^from grader import check\s*(;\s*|(?=#)|$)")
ACCURACY_LINE = re.compile(r"accuracy\W*[:=]?\s*[0-9.]+\s*%?", re.IGNORECASE)


class NotebookError(ValueError):
    """The file cannot be read as a notebook; the message says why, for the student."""


@dataclass
class Assembled:
    """The module made of a notebook, and what the feedback says about it."""

    source: str
    cells: dict = field(default_factory=dict)  # name defined -> "In [7]" or "cell 7"
    skipped: list = field(default_factory=list)  # sentences about cells left out
    code: str = ""  # every code cell, magics dropped
    code_cells: list = field(default_factory=list)  # (label, code) of each: what the rules scan
    images: int = 0  # image outputs rendered in the notebook
    accuracy_lines: list = field(default_factory=list)  # printed lines about accuracy


def parse(path):
    """The JSON of the notebook at path (read and parsed once); NotebookError when it is
    no notebook of format 4."""
    path = Path(path)
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{path.name} is larger than 200 MB")
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise NotebookError(f"{path.name} is not valid JSON ({error}); is it really a "
                            "notebook saved by Jupyter?") from None
    if not isinstance(raw, dict) or "cells" not in raw and "worksheets" not in raw:
        raise NotebookError(f"{path.name} is JSON but not a Jupyter notebook (no cells)")
    if raw.get("nbformat") != 4:
        raise NotebookError(f"{path.name} is in notebook format {raw.get('nbformat')}; only "
                            "format 4 is graded: open and save it in a current Jupyter")
    return raw


def validate(raw, name):
    """Check parsed notebook JSON against nbformat's schema; NotebookError naming the
    first problem. (Imports nbformat: done only for the notebook that is graded.)"""
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nbformat warns of ids it would add
            nbformat.validate(nbformat.from_dict(raw))
    except nbformat.ValidationError as error:
        raise NotebookError(f"{name} is not a valid notebook: "
                            f"{str(error).splitlines()[0]}") from None


class _Node(dict):
    """Attribute access over a JSON dict, like nbformat's nodes."""

    __getattr__ = dict.__getitem__


def as_nodes(raw):
    """The notebook's JSON with attribute access and every cell's source joined."""
    cells = [_Node(cell, source="".join(cell.get("source", "")) if isinstance(
        cell.get("source"), list) else cell.get("source", "")) for cell in raw.get("cells", [])]
    return _Node(raw, cells=cells)


def cell_label(index, cell):
    count = cell.get("execution_count")
    return f"In [{count}]" if count else f"cell {index + 1}"


def without_magics(text):
    """A cell's code without IPython magics, shell lines and `from grader import check`;
    None for a cell magic."""
    if text.lstrip().startswith("%%"):
        return None
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else CHECK_IMPORT.sub("", line)
                     for line in text.splitlines())


def kept(node):
    """Whether a top-level statement belongs in the assembled module."""
    if isinstance(node, KEPT):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not all(isinstance(target, ast.Name) for target in targets):
            return False
        if all(CONSTANT_NAME.match(target.id) for target in targets):
            return True
        try:
            ast.literal_eval(node.value)
            return True
        except (ValueError, TypeError, SyntaxError, RecursionError):
            return False
    return False


def defined_names(node):
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [target.id for target in node.targets]
    if isinstance(node, ast.AnnAssign):
        return [node.target.id]
    return []


def imports_backprop(node):
    if isinstance(node, ast.Import):
        return any(alias.name == "backprop" for alias in node.names)
    return isinstance(node, ast.ImportFrom) and node.module == "backprop"


def statement_source(code, node):
    """The source lines of a top-level statement, decorators included."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(code.splitlines()[first - 1:node.end_lineno])


def is_stub(function):
    """A body that ends by raising NotImplementedError, or holds nothing but pass/..."""
    last = function.body[-1]
    if isinstance(last, ast.Raise) and last.exc is not None:
        raised = last.exc.func if isinstance(last.exc, ast.Call) else last.exc
        if isinstance(raised, ast.Name) and raised.id == "NotImplementedError":
            return True
    return all(isinstance(n, ast.Pass) or (isinstance(n, ast.Expr)
                                           and isinstance(n.value, ast.Constant))
               for n in function.body)


def implemented(source, names):
    """The names among `names` that source defines (last definition) with a real body."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    found = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            (found.discard if is_stub(node) else found.add)(node.name)
    return found


def outputs_of(notebook):
    """(number of image outputs, printed lines that report an accuracy)."""
    images, lines = 0, []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            images += any(kind.startswith("image/") for kind in data)
            text = output.get("text", "") or data.get("text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            lines += [line.strip() for line in text.splitlines() if ACCURACY_LINE.search(line)]
    return images, lines


def assemble(path, validated=True, raw=None):
    """The Assembled module of the notebook at path (NotebookError if unreadable).

    validated: check it against nbformat's schema first; raw: its JSON, when parse()
    has read it already.
    """
    raw = parse(path) if raw is None else raw
    if validated:
        validate(raw, Path(path).name)
    notebook = as_nodes(raw)
    parts, result, uses_backprop = [], Assembled(source=""), False
    code_cells = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    if not any(cell.source.strip() for _, cell in code_cells):
        raise NotebookError(f"{Path(path).name} has no code")
    for index, cell in code_cells:
        label = cell_label(index, cell)
        code = without_magics(cell.source)
        if code is None:  # a cell magic (%%time, %%bash...) makes it no Python code
            continue
        result.code += code + "\n"
        result.code_cells.append((label, code))
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            result.skipped.append(f"{label} has a syntax error on its line {error.lineno} "
                                  f"({error.msg}): skipped, the other cells are graded")
            continue
        for node in tree.body:
            if not kept(node):
                continue
            uses_backprop |= imports_backprop(node)
            for name in defined_names(node):
                result.cells[name] = label
            parts.append(f"# {label}\n{statement_source(code, node)}\n")
    prelude = "from backprop import *  # noqa: F403\n\n" if uses_backprop else ""
    result.source = prelude + "\n".join(parts)
    result.images, result.accuracy_lines = outputs_of(notebook)
    return result

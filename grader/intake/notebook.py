"""Notebook submissions: turn a .ipynb into the module to grade, without running it.

The code cells are read with nbformat (validated), each as IPython reads it
(grader.intake.cells: magics, shell lines and help turned into the Python IPython runs,
a cell magic's body or none); of each cell only the top-level imports, function and
class definitions and constant assignments are kept (decided on the syntax tree), so
training loops, plots, prints and the magics' and shell lines' calls never run. Cells
are kept in order, so a later definition of a name wins, as it would in Jupyter. A cell
that IPython could not run either is skipped and named, and so are the
functions it defines, whose checks then say why. A notebook that imports backprop gets
`from backprop import *` first, so what it does not define itself comes from backprop.py;
handed in without backprop.py, its imports from backprop keep only what the course's copy
of the given code defines (`given`), so a missing name fails only the checks that use it.

Nothing here executes the notebook: it is parsed in the grader's process.
"""

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from grader.intake.cells import read_cell
from grader.intake.encoding import read_notebook
from grader.intake.locate import LARGEST_CODE
from grader.lab import SUBMISSION_FILE

MAX_NOTEBOOK_BYTES = 200 * 1024 * 1024
# A notebook of 100000 cells has about 500000 objects and arrays and 1000000 values.
MAX_JSON_CONTAINERS = 1_000_000
MAX_JSON_VALUES = 5_000_000
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
CONSTANT_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# A top-level definition, read off the text of a cell that does not parse.
TEXT_DEFINITION = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)", re.MULTILINE)
BACKPROP = Path(SUBMISSION_FILE).stem  # the lab's module, which a notebook may import
# The line that brings in-notebook feedback (grader/inline.py) into a cell: tooling, like
# a magic, and no import of the submission's.
IPYTHON = "get_ipython"  # what IPython's magics and shell lines call once transformed
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
    # name whose last definition is in a cell left out -> "its cell In [7] has a syntax
    # error on line 2: expected ':'"
    broken: dict = field(default_factory=dict)
    imports_backprop: bool = False  # a kept statement imports backprop
    left_out: list = field(default_factory=list)  # names imported from backprop not given
    code: str = ""  # every code cell, as IPython runs it
    # (label, code) of each, and of the .py files %%writefile cells write: what the rules scan
    code_cells: list = field(default_factory=list)
    written: dict = field(default_factory=dict)  # file name -> text %%writefile cells leave
    images: int = 0  # image outputs rendered in the notebook
    accuracy_lines: list = field(default_factory=list)  # printed lines about accuracy


def refuse_costly(text, name):
    """NotebookError for JSON whose parse would take the grader's memory: Python spends
    64 bytes or more on each value, so 48 MB of `{},` would take 8 GB. Counted outside
    strings, where a notebook's bulk (code, outputs, images) is."""
    bare = JSON_STRING.sub('""', text)
    containers, values = bare.count("{") + bare.count("["), bare.count(",")
    if containers > MAX_JSON_CONTAINERS or values > MAX_JSON_VALUES:
        raise NotebookError(f"{name} holds {containers} JSON objects and arrays and "
                            f"{values} values, more than a notebook has (at most "
                            f"{MAX_JSON_CONTAINERS} and {MAX_JSON_VALUES})")


def parse(path):
    """The JSON of the notebook at path (read and parsed once); NotebookError when it is
    no notebook of format 4."""
    path = Path(path)
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        raise NotebookError(f"{path.name} is larger than 200 MB")
    try:
        text, _ = read_notebook(path.read_bytes())  # any encoding (noted by the caller)
        refuse_costly(text, path.name)
        raw = json.loads(text)
    except NotebookError:
        raise
    except ValueError as error:
        raise NotebookError(f"{path.name} is not valid JSON ({error}); is it really a "
                            "notebook saved by Jupyter?") from None
    except (RecursionError, MemoryError):
        raise NotebookError(f"{path.name} is nested too deeply to be a notebook (JSON "
                            "arrays or objects thousands of levels deep)") from None
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


def without_check_import(text):
    """A cell's text without `from grader import check` (tooling, not the student's code)."""
    return "\n".join(CHECK_IMPORT.sub("", line) for line in text.splitlines())


def calls_ipython(node):
    """Whether running the statement calls get_ipython() (a magic or shell line IPython
    transformed): never while grading. Function bodies run only when called."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        parts = [*node.decorator_list, *node.args.defaults,
                 *(default for default in node.args.kw_defaults if default is not None)]
    else:
        parts = [node]
    return any(isinstance(part, ast.Name) and part.id == IPYTHON
               for root in parts for part in ast.walk(root))


def kept(node):
    """Whether a top-level statement belongs in the assembled module."""
    if calls_ipython(node):
        return False
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
        return any(alias.name == BACKPROP for alias in node.names)
    return isinstance(node, ast.ImportFrom) and node.module == BACKPROP and not node.level


def given_imports(node, given, left_out):
    """An import of backprop reduced to what `given` (the names the course's copy of
    backprop.py defines; empty: there is none) provides, or None when nothing is left.

    The names left out are added to left_out.
    """
    if isinstance(node, ast.Import):
        names = [alias for alias in node.names if alias.name != BACKPROP or given]
    else:
        names = [alias for alias in node.names if alias.name in given
                 or (alias.name == "*" and given)]
        left_out += [alias.name for alias in node.names if alias not in names and alias.name != "*"]
    if len(names) == len(node.names):
        return node
    return type(node)(**{**vars(node), "names": names}) if names else None


def given_names(source):
    """The names `from backprop import *` takes from the given code's source: its public
    top-level definitions, assignments and imports."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {target.id for target in targets if isinstance(target, ast.Name)}
    return {name for name in names if not name.startswith("_")}


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


def skip_cell(result, label, code, error, first_line=1):
    """Record a cell left out for a syntax error, and the functions it would define.

    first_line: the line of the cell as typed that code's line 1 is."""
    line = (error.lineno or 1) + first_line - 1
    where = f"has a syntax error on line {line}: {error.msg}"
    result.skipped.append(f"{label} has a syntax error on its line {line} "
                          f"({error.msg}): skipped, the other cells are graded")
    cell = label if label.startswith("cell") else f"cell {label}"  # "cell 7", "cell In [7]"
    for name in TEXT_DEFINITION.findall(code):
        result.cells.pop(name, None)
        result.broken[name] = f"its {cell} {where}"


def keep_written(result, label, written):
    """Record what a %%writefile cell writes (appending with -a), as the kernel would."""
    if written is None:
        return
    name, text, append = written
    result.written[name] = (result.written.get(name, "") if append else "") + text
    if name.endswith(".py"):
        result.code_cells.append((f"{label} (%%writefile {name})", text))


def keep_statement(result, label, code, node, given):
    """The text a kept top-level statement adds to the module ("" for none)."""
    if imports_backprop(node):
        result.imports_backprop = True
        if given is not None:
            reduced = given_imports(node, given, result.left_out)
            if reduced is not node:
                return f"# {label}\n{ast.unparse(reduced)}\n" if reduced else ""
    for name in defined_names(node):
        result.cells[name] = label
        result.broken.pop(name, None)
    return f"# {label}\n{statement_source(code, node)}\n"


def assemble(path, validated=True, raw=None, given=None):
    """The Assembled module of the notebook at path (NotebookError if unreadable).

    validated: check it against nbformat's schema first; raw: its JSON, when parse()
    has read it already; given: None when the student's backprop.py is beside the
    notebook, else the names the course's copy of backprop.py defines (given_names; an
    empty set when there is no copy), the only ones its imports from backprop keep.
    """
    raw = parse(path) if raw is None else raw
    if validated:
        validate(raw, Path(path).name)
    notebook = as_nodes(raw)
    parts, result = [], Assembled(source="")
    code_cells = [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    if not any(cell.source.strip() for _, cell in code_cells):
        raise NotebookError(f"{Path(path).name} has no code")
    size = sum(len(cell.source.encode("utf-8")) for _, cell in code_cells)
    if size > LARGEST_CODE:  # parsing it would take the grader's memory (see LARGEST_CODE)
        raise NotebookError(f"{Path(path).name} holds {size // 1024} KB of code, more than "
                            f"the {LARGEST_CODE // 1024} KB of any hand-in of this lab")
    for index, cell in code_cells:
        label = cell_label(index, cell)
        read = read_cell(without_check_import(cell.source))
        keep_written(result, label, read.written)
        if read.code is None:  # a cell magic that runs no Python here (%%bash, %%writefile)
            continue
        code = read.code
        result.code += code + "\n"
        result.code_cells.append((label, code))
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            skip_cell(result, label, code, error, read.first_line)
            continue
        parts += [keep_statement(result, label, code, node, given)
                  for node in tree.body if kept(node)]
    star = result.imports_backprop and (given is None or given)
    prelude = f"from {BACKPROP} import *  # noqa: F403\n\n" if star else ""
    result.source = prelude + "\n".join(part for part in parts if part)
    result.images, result.accuracy_lines = outputs_of(notebook)
    return result

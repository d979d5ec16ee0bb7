"""Generate the student's starter from the reference solution.

Every region of the solution written as

    # BEGIN SOLUTION -- hint for the student
    ...reference code...
    # END SOLUTION

becomes `raise NotImplementedError("<function>: <hint>")` at the same indentation;
everything else (signatures, docstrings, given helpers) is kept verbatim. Notebooks
are copied with their outputs and execution counts stripped, and in their markdown cells
every region written as

    <!-- BEGIN SOLUTION -->
    ...the answer to a discussion question...
    <!-- END SOLUTION -->

becomes ANSWER_PLACEHOLDER, so the starter asks the questions the solution answers.
"""

import json
import re
from pathlib import Path

from grader.paths import SOLUTION_DIR, STARTER_DIR

BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN SOLUTION(?:\s*--\s*(?P<hint>.*?))?\s*$")
END = re.compile(r"^\s*# END SOLUTION\s*$")
DEF = re.compile(r"^\s*def (?P<name>\w+)\(")
DEFAULT_HINT = "implement this part"
MARKDOWN_BEGIN = re.compile(r"^\s*<!-- BEGIN SOLUTION -->\s*$")
MARKDOWN_END = re.compile(r"^\s*<!-- END SOLUTION -->\s*$")
ANSWER_PLACEHOLDER = "*Your answer:*\n"

# (source in solution/, generated file in starter/)
GENERATED = (("backprop.py", "backprop.py"), ("lab1.ipynb", "lab1.ipynb"))


class RegionError(ValueError):
    """A BEGIN/END SOLUTION pair is unbalanced."""


def strip_solution(source, filename="<solution>"):
    """Replace every solution region of Python source text by a NotImplementedError stub.

    Args:
        source: the solution's text.
        filename: used in error messages only.

    Returns:
        the starter's text.
    """
    out, function, region_start = [], None, None
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        begin = BEGIN.match(line)
        if region_start is None:
            if begin:
                region_start = number
                hint = begin.group("hint") or DEFAULT_HINT
                message = f"{function}: {hint}" if function else hint
                out.append(f"{begin.group('indent')}raise NotImplementedError({message!r})\n")
            elif END.match(line):
                raise RegionError(f"{filename}:{number}: END SOLUTION without BEGIN SOLUTION")
            else:
                definition = DEF.match(line)
                if definition:
                    function = definition.group("name")
                out.append(line)
        elif begin:
            raise RegionError(f"{filename}:{number}: BEGIN SOLUTION inside the region opened "
                              f"on line {region_start}")
        elif END.match(line):
            region_start = None
    if region_start is not None:
        raise RegionError(f"{filename}:{region_start}: BEGIN SOLUTION is never closed")
    return "".join(out)


def strip_answers(markdown, where="<markdown>"):
    """Replace every answer region of a markdown cell's text by ANSWER_PLACEHOLDER."""
    out, region_start = [], None
    for number, line in enumerate(markdown.splitlines(keepends=True), start=1):
        if MARKDOWN_BEGIN.match(line):
            if region_start is not None:
                raise RegionError(f"{where}, line {number}: BEGIN SOLUTION inside the region "
                                  f"opened on line {region_start}")
            region_start = number
            out.append(ANSWER_PLACEHOLDER)
        elif MARKDOWN_END.match(line):
            if region_start is None:
                raise RegionError(f"{where}, line {number}: END SOLUTION without BEGIN")
            region_start = None
        elif region_start is None:
            out.append(line)
    if region_start is not None:
        raise RegionError(f"{where}, line {region_start}: BEGIN SOLUTION is never closed")
    return "".join(out)


def strip_outputs(notebook_text, filename="<notebook>"):
    """Return a notebook's JSON text with every code cell's outputs and counts removed,
    and the answer regions of its markdown cells replaced (strip_answers)."""
    notebook = json.loads(notebook_text)
    for number, cell in enumerate(notebook["cells"], start=1):
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            cell.get("metadata", {}).pop("execution", None)
        elif cell["cell_type"] == "markdown":
            source = cell["source"]
            text = strip_answers("".join(source) if isinstance(source, list) else source,
                                 f"{filename}, cell {number}")
            cell["source"] = text.splitlines(keepends=True) if isinstance(source, list) \
                else text
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def render(name, text):
    """The starter's version of the solution file `name`, whose content is `text`."""
    if name.endswith(".ipynb"):
        return strip_outputs(text, filename=f"solution/{name}")
    return strip_solution(text, filename=f"solution/{name}")


def make_starter(solution_dir=SOLUTION_DIR, starter_dir=STARTER_DIR):
    """Write every generated starter file; returns the list of paths written."""
    written = []
    for source_name, target_name in GENERATED:
        text = (Path(solution_dir) / source_name).read_text(encoding="utf-8")
        target = Path(starter_dir) / target_name
        target.write_text(render(source_name, text), encoding="utf-8")
        written.append(target)
    return written

"""A notebook cell read as IPython reads it, without running anything.

IPython runs a cell after turning its own syntax into Python: `files = !ls` into
`files = get_ipython().getoutput('ls')`, `%matplotlib inline` and `x = %timeit f()` into
`run_line_magic` calls, `np.mean?` and `?np.mean` into help calls, `!pip install ...` into
`get_ipython().system(...)`, the escaped calls `/f 1 2`, `,f a b`, `;f a b` into calls, and
a cell magic (`%%time` on the first line) into one `run_cell_magic` call. This module does
the same: with IPython's own transformer when IPython is installed (the dev and notebook
extras, Colab), else with the equivalent below, which gives the same Python for what
notebooks hold. IPython's syntax is never valid Python, so a cell that parses as it is
is what IPython runs, and neither is consulted for it (no IPython import for plain cells).

What a cell magic makes of its cell:
- %%time, %%capture, %%prun run their body as Python in the kernel: the cell is its body
  (read again as a cell, so its magics are transformed too);
- %%writefile NAME writes its body to a file and runs nothing (`-a` appends): the cell is
  no code, and what it writes is kept (grader.intake.prepare puts a written backprop.py
  beside a notebook handed in without one);
- every other cell magic (%%bash, %%html, %%timeit, %%script ...) runs no Python in the
  kernel's namespace: the cell is no code.
"""

import ast
import re
import shlex
import textwrap
from dataclasses import dataclass

PYTHON_BODY_MAGICS = ("time", "capture", "prun")
WRITEFILE = "writefile"
CELL_MAGIC = re.compile(r"%%(\w+)(?:[ \t]+(.*))?$")


@dataclass
class Cell:
    """What IPython runs of one cell.

    code: the Python (None when the cell runs none, e.g. %%bash); first_line: the line of
    the cell as typed that code's line 1 is (blank lines and a magic line come before);
    magic: the cell magic's name, "" for none; written: (file name, text, append) of a
    %%writefile cell, else None.
    """

    code: str | None
    first_line: int = 1
    magic: str = ""
    written: tuple | None = None


def read_cell(text):
    """The Cell IPython makes of a cell's text."""
    lines = text.splitlines(keepends=True)
    blank = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    lines = lines[blank:]
    first = lines[0].rstrip("\r\n") if lines else ""
    magic = CELL_MAGIC.match(first)
    if magic is None or first.endswith("?"):  # `%%time?` asks for help
        return Cell(code=transformed("".join(lines)), first_line=blank + 1)
    name, arguments, body = magic.group(1), magic.group(2) or "", "".join(lines[1:])
    if name in PYTHON_BODY_MAGICS:
        inner = read_cell(body)
        return Cell(code=inner.code, first_line=blank + 1 + inner.first_line, magic=name)
    written = writefile_target(arguments, body) if name == WRITEFILE else None
    return Cell(code=None, first_line=blank + 2, magic=name, written=written)


def writefile_target(arguments, body):
    """(file name, text, append) of `%%writefile [-a] NAME`; None when unreadable."""
    try:
        words = shlex.split(arguments)
    except ValueError:
        return None
    append = any(word in ("-a", "--append") for word in words)
    names = [word for word in words if not word.startswith("-")]
    return (names[0], body, append) if len(names) == 1 else None


def transformed(code):
    """The Python IPython runs for code without a cell magic (code itself when it parses)."""
    try:
        ast.parse(code)
        return code
    except (SyntaxError, ValueError):
        pass
    except (RecursionError, MemoryError):
        return code  # too deep to read: the caller's own parse says so
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        transform = TransformerManager().transform_cell
    except ImportError:
        transform = transform_cell
    try:
        return transform(code)
    except Exception:  # noqa: BLE001 - what IPython cannot read is the cell's syntax error
        return code


# -- the equivalent of IPython's transformer, for where IPython is not installed ---------------

ESCAPES = ("!!", "??", "!", "?", "%", ",", ";", "/")
HELP_END = re.compile(r"(%{0,2}(?!\d)[\w*]+(\.(?!\d)[\w*]+|\[-?[0-9]+\])*)(\?\??)$")
PROMPTS = (re.compile(r"^(>>>|\.\.\.)( |$)"),
           re.compile(r"^(((\[nav\]|\[ins\])?\ )?In\ \[\d+\]:\ |\s*\.{3,}:\ ?)"))
FIRST_PROMPTS = (re.compile(r"^>>>( |$)"), PROMPTS[1])
MAGIC_NAME = re.compile(r"%[A-Za-z_]")


def transform_cell(code):
    """IPython's transformation of a cell without a cell magic, written without IPython."""
    lines = textwrap.dedent(code).splitlines(keepends=True)
    lines = strip_prompts(lines)
    out, index, scanner = [], 0, Scanner()
    while index < len(lines):
        line = lines[index]
        special = scanner.at_statement_start() and special_line(line)
        if not special:
            scanner.feed(line)
            out.append(line)
            index += 1
            continue
        end = index
        while lines[end].endswith("\\\n") and end + 1 < len(lines):
            end += 1
        out.append(special(joined(lines[index:end + 1])) + "\n")
        index = end + 1
    text = "".join(out)
    return text if text.endswith("\n") else text + "\n"


def strip_prompts(lines):
    """Lines without `>>> `/`... ` or `In [1]: `/`...: ` prompts, as pasted from a console."""
    for prompt, first in zip(PROMPTS, FIRST_PROMPTS, strict=True):
        if lines and (first.match(lines[0]) or len(lines) > 1 and prompt.match(lines[1])):
            return [prompt.sub("", line, count=1) for line in lines]
    return lines


def joined(lines):
    """Lines continued with backslashes, as one line without its newline."""
    return " ".join([line.rstrip()[:-1] for line in lines[:-1]] + [lines[-1].rstrip()])


def special_line(line):
    """A function making IPython's Python of this logical line, or None for plain Python."""
    stripped = line.lstrip()
    indent = line[:len(line) - len(stripped)]
    code = stripped.rstrip("\r\n")  # `x? ` (a space after) is no help, as in IPython
    if code.endswith("?") and "#" not in code and HELP_END.search(code):
        return lambda text: indent + help_call(HELP_END.search(text.strip()))
    if code.startswith(ESCAPES):
        return lambda text: indent + escaped(text.strip())
    start = assigned_value(line)
    if start is not None:
        return lambda text: text[:start] + assigned_call(text[start:])
    return None


def assigned_value(line):
    """Where `!cmd` or `%magic` starts on the right of the line's first `=` (outside
    brackets and strings), or None: `files = !ls`, `t = %timeit -o f()`."""
    quote, depth = None, 0
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            return None
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char == "=" and depth == 0:
            if line[index - 1:index] in tuple("=!<>:+-*/%&|^@") or line[index + 1:index + 2] == "=":
                return None  # a comparison or an augmented assignment: no value to assign
            if not line[:index].strip():
                return None
            rest = line[index + 1:]
            start = index + 1 + len(rest) - len(rest.lstrip())
            value = line[start:]
            return start if value.startswith("!") or MAGIC_NAME.match(value) else None
    return None


def help_call(match):
    """`obj?` (pinfo), `obj??` (pinfo2), `np.*mean*?` (psearch), as IPython's call."""
    target, escape = match.group(1), match.group(3)
    method = "pinfo2" if escape == "??" else "psearch" if "*" in target else "pinfo"
    return f"get_ipython().run_line_magic({method!r}, {target!r})"


def escaped(text):
    """IPython's Python for a line starting with an escape (`!ls`, `%time f()`, `?x`...)."""
    escape = next(escape for escape in ESCAPES if text.startswith(escape))
    content = text[len(escape):]
    name, _, arguments = content.partition(" ")
    if escape in ("!", "!!"):
        method = "system" if escape == "!" else "getoutput"
        return f"get_ipython().{method}({content!r})"
    if escape in ("?", "??"):
        if not content:
            return "get_ipython().show_usage()"
        method = "pinfo2" if escape == "??" else "psearch" if "*" in content else "pinfo"
        return f"get_ipython().run_line_magic({method!r}, {content!r})"
    if escape == "%":
        return f"get_ipython().run_line_magic({name!r}, {arguments!r})"
    if escape == ",":
        return '{}("{}")'.format(name, '", "'.join(arguments.split()))
    if escape == ";":
        return f'{name}("{arguments}")'
    return f"{name}({', '.join(arguments.split())})"  # "/": call with the words as arguments


def assigned_call(text):
    """`!cmd` or `%magic args` on the right of an assignment, as IPython's call."""
    if text.startswith("!"):
        return f"get_ipython().getoutput({text[1:]!r})"
    name, _, arguments = text[1:].partition(" ")
    return f"get_ipython().run_line_magic({name!r}, {arguments!r})"


class Scanner:
    """Follows strings, brackets and backslash continuations line by line, to tell the
    lines that start a statement (where IPython's syntax is read) from the others."""

    def __init__(self):
        self.quote = None  # the open string's quote (' " ''' or \"\"\"), if any
        self.depth = 0  # open brackets
        self.continued = False  # the last line ended with a backslash

    def at_statement_start(self):
        return self.quote is None and self.depth == 0 and not self.continued

    def feed(self, line):
        index, size = 0, len(line)
        while index < size:
            char = line[index]
            if self.quote:
                if char == "\\":
                    index += 2
                    continue
                if line.startswith(self.quote, index):
                    index += len(self.quote)
                    self.quote = None
                    continue
            elif char == "#":
                break
            elif char in "'\"":
                triple = line[index:index + 3]
                self.quote = triple if triple in ("'''", '"""') else char
                index += len(self.quote)
                continue
            elif char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            index += 1
        if self.quote in ("'", '"') and not line.rstrip("\r\n").endswith("\\"):
            self.quote = None  # a one-line string ends with its line
        self.continued = self.quote is None and line.rstrip("\r\n").endswith("\\")

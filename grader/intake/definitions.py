"""A backprop.py without its top-level statements that are not definitions: what is graded
when importing the file as it is does not finish in time, ends its process or raises (a
training run, an endless loop, an input() or a sys.exit() left at the bottom of the file).

The statements kept are those a notebook keeps (grader.intake.notebook.kept: imports,
function and class definitions, constant assignments), each at its own line, so that
the line numbers of tracebacks and feedback stay those of the student's file. Nothing
here runs the code: it is parsed in the grader's process.
"""

import ast
from dataclasses import dataclass, field

from grader.intake.notebook import kept

SHOWN_TEXT = 70  # characters of a statement shown in a message
SHOWN_STATEMENTS = 5  # statements named in a message, then "and N more"


@dataclass
class Definitions:
    """The module of a file's definitions, and the statements it leaves out.

    source: the module (left-out statements are blank lines); left_out: [(line, text)] of
    the top-level statements left out; running: [(line, text)] of the statements kept that
    still run code at import (a call or a loop in a default argument, a decorator, a
    class body or a constant's value); constants: (first line, last line) of each
    constant assignment kept.
    """

    source: str
    left_out: list
    running: list
    constants: list = field(default_factory=list)

    def constant_at(self, line):
        """The first line of the constant assignment kept that spans `line`, or None."""
        return next((first for first, last in self.constants if first <= line <= last), None)


def statement_text(lines, node):
    """The statement's first line (from its `def` or `class`), shortened for a message."""
    first, text = _segment(lines, node)
    shown = text[node.lineno - first].strip()
    if len(shown) > SHOWN_TEXT or node.end_lineno > node.lineno:
        shown = shown[:SHOWN_TEXT].rstrip() + " ..."
    return shown


def named(statements):
    """'line 412: train(x, y); line 415: plt.show()', at most SHOWN_STATEMENTS of them."""
    shown = "; ".join(f"line {line}: {text}" for line, text in statements[:SHOWN_STATEMENTS])
    more = len(statements) - SHOWN_STATEMENTS
    return shown + (f" and {more} more" if more > 0 else "")


def is_inert(node):
    """A statement that does nothing at import: a docstring, `pass`, a __main__ block."""
    if isinstance(node, ast.Pass) or (isinstance(node, ast.Expr)
                                      and isinstance(node.value, ast.Constant)):
        return True
    test = node.test if isinstance(node, ast.If) else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = {ast.dump(side) for side in (test.left, *test.comparators)}
    return sides == {ast.dump(ast.Name("__name__", ast.Load())),
                     ast.dump(ast.Constant("__main__"))}


def _executed(node):
    """The nodes evaluated when the statement `node` runs: not the bodies of the
    functions (and lambdas) it defines, only their decorators and default values."""
    yield node
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        children = [*getattr(node, "decorator_list", ()), *node.args.defaults,
                    *(default for default in node.args.kw_defaults if default is not None)]
    else:
        children = ast.iter_child_nodes(node)
    for child in children:
        yield from _executed(child)


def runs_code(node):
    """Whether a kept statement calls something or loops while it is executed."""
    return any(isinstance(part, (ast.Call, ast.While, ast.For, ast.comprehension))
               for part in _executed(node))


def _segment(lines, node):
    """The statement's own text as lines (decorators included; nothing of a statement
    sharing its first or last line after a `;`)."""
    decorators = getattr(node, "decorator_list", [])
    first = min([node.lineno] + [decorator.lineno for decorator in decorators])
    text = [line.encode("utf-8") for line in lines[first - 1:node.end_lineno]]
    text[-1] = text[-1][:node.end_col_offset]  # offsets are in UTF-8 bytes
    if not decorators:
        text[0] = text[0][node.col_offset:]
    return first, [line.decode("utf-8") for line in text]


def definitions_only(source, leave_out=()):
    """The Definitions of a .py's source (None when it does not parse). When its
    left_out is empty, the module runs what the file itself runs.

    leave_out: first lines of constant assignments to leave out as well (one whose value
    raised at import)."""
    source = source.removeprefix("\ufeff")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    module, left_out, running, constants = [""] * len(lines), [], [], []
    for node in tree.body:
        constant = isinstance(node, (ast.Assign, ast.AnnAssign)) and kept(node)
        if not kept(node) or constant and node.lineno in leave_out:
            if not is_inert(node):
                left_out.append((node.lineno, statement_text(lines, node)))
            continue
        if constant:
            constants.append((node.lineno, node.end_lineno))
        if runs_code(node):
            running.append((node.lineno, statement_text(lines, node)))
        first, text = _segment(lines, node)
        # Simple statements joined by `;` share a line: they share it again.
        module[first - 1] += ("; " if module[first - 1] else "") + text[0]
        module[first:first + len(text) - 1] = text[1:]
    return Definitions(source="\n".join(module).rstrip("\n") + "\n", left_out=left_out,
                       running=running, constants=constants)

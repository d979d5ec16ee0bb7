"""Where in the student's file a failing check points: the line of the function it grades,
or of the statement that raised.

Everything here is read in the grader's process from the code the grader itself read
(Results.code), parsed with `ast`: a line number the worker reports (inside a traceback)
is only used when it falls inside the function of that name in the grader's own parse.
"""

import ast
import re

# One frame of a Python traceback as traceback.format_list writes it.
FRAME = re.compile(r'File "[^"\n]*", line (\d+), in (\w+)')


def function_spans(code):
    """{name: (first line, last line)} of every function defined in `code`, at any depth.

    The first line is the `def` line (not a decorator's). A name defined twice keeps its
    last definition, which is the one Python uses. {} when the code does not parse.
    """
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return {}
    spans = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name not in spans or node.lineno > spans[node.name][0]:
                spans[node.name] = (node.lineno, node.end_lineno or node.lineno)
    return spans


def syntax_error_line(code):
    """The line of the first syntax error in `code`, or None when it parses."""
    try:
        ast.parse(code)
    except SyntaxError as error:
        return error.lineno or 1
    except ValueError:  # null bytes
        return 1
    return None


def raising_line(output, spans):
    """The line of the last traceback frame in `output` that lies inside the function it
    names (by the grader's parse), or None."""
    for line, name in reversed(FRAME.findall(output)):
        start, end = spans.get(name, (0, -1))
        if start <= int(line) <= end:
            return int(line)
    return None


def check_line(code, function, output):
    """Line (1-based) a failing check of `function` points at in `code`.

    The statement that raised when the failure carries a traceback into the file, the
    `def` line of `function` otherwise, the syntax error when the file does not parse,
    and line 1 when the function is not in the file (or the check grades no function).
    """
    broken = syntax_error_line(code)
    if broken is not None:
        return broken
    spans = function_spans(code)
    return raising_line(output, spans) or spans.get(function, (1, 1))[0]

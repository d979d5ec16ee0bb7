"""The lab's rule on imports, checked on the source text (nothing is executed).

Allowed: numpy, matplotlib, the standard library and the lab's own module backprop
(which a notebook imports, also when it is handed in without it). The scan sees every import
statement anywhere in the file (inside functions, try/except, if blocks) and calls
of importlib.import_module / __import__ with a constant module name. Text that does
not parse (a file or a notebook cell with a syntax error) is scanned line by line
instead, so a syntax error never hides an import.
"""

import ast
import importlib.util
import re
import sys
from pathlib import Path

from grader.intake.notebook import BACKPROP

ALLOWED = {"numpy", "matplotlib", BACKPROP}
# Named in the feedback as deep-learning or autodiff frameworks rather than "other packages".
FRAMEWORKS = {"torch", "tensorflow", "keras", "jax", "jaxlib", "autograd", "sklearn", "scipy",
              "theano", "mxnet", "paddle", "flax", "chainer", "cupy", "tinygrad", "micrograd"}
DYNAMIC_IMPORTS = {"import_module", "__import__"}


def _imported_names(tree):
    """(top-level module name, line) of every import the syntax tree contains."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno
        elif isinstance(node, ast.Call):
            function = node.func
            name = getattr(function, "attr", None) or getattr(function, "id", None)
            if name in DYNAMIC_IMPORTS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield first.value.split(".")[0], node.lineno


# Statement starts: the line's start, or after ";" or ":" (`try: import torch`).
_STATEMENT = r"(?:^|[;:])\s*"
_TEXT_IMPORTS = (
    re.compile(_STATEMENT + r"import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)"),
    re.compile(_STATEMENT + r"from\s+(\w[\w.]*)\s+import\b"),
    re.compile(r"\b(?:import_module|__import__)\s*\(\s*[\"']([\w.]+)[\"']"),
)


def _text_imports(source):
    """(module, line) of every import the lines of unparsable text seem to hold."""
    for number, text in enumerate(source.splitlines(), start=1):
        text = text.split("#", 1)[0]  # a comment that mentions an import is no import
        for pattern in _TEXT_IMPORTS:
            for match in pattern.finditer(text):
                for name in match.group(1).split(","):
                    yield name.split()[0].split(".")[0], number


def imports_in(source):
    """(top-level module, line) of every import in source, parsed or, failing that, read
    line by line."""
    try:
        return list(_imported_names(ast.parse(source)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return list(_text_imports(source))


def shadows_installed(name, folder):
    """Whether a module `name` of the submission's folder is named after an installed
    package (not the standard library, numpy or matplotlib): a shadow that may load the
    package itself, not the student's own module, so importing it counts as importing
    the package."""
    if name in ALLOWED or name in sys.stdlib_module_names or not name.isidentifier():
        return False
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None or not spec.origin or spec.origin in ("built-in", "frozen"):
        return False
    return not Path(spec.origin).resolve().is_relative_to(Path(folder).resolve())


def is_forbidden(module, local_modules=()):
    """Whether the rule forbids importing the top-level module `module`."""
    return module not in ALLOWED | set(sys.stdlib_module_names) | set(local_modules)


def forbidden_imports(source, local_modules=()):
    """[(module, line)] of the imports the rule forbids, in order of appearance.

    Args:
        source: the submission's Python text (one file, or one notebook cell).
        local_modules: names of the submission's own modules next to it (allowed).
    """
    found = []
    for module, line in imports_in(source):
        if is_forbidden(module, local_modules) and (module, line) not in found:
            found.append((module, line))
    return sorted(found, key=lambda item: item[1])


def describe(module):
    kind = "a deep-learning or autodiff framework" if module in FRAMEWORKS else "not allowed"
    return f"{module} ({kind})"

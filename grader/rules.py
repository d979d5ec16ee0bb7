"""The lab's rule on imports, checked on the source text (nothing is executed).

Allowed: numpy, matplotlib and the standard library. The scan sees every import
statement anywhere in the file (inside functions, try/except, if blocks) and calls
of importlib.import_module / __import__ with a constant module name.
"""

import ast
import sys

ALLOWED = {"numpy", "matplotlib"}
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


def is_forbidden(module, local_modules=()):
    """Whether the rule forbids importing the top-level module `module`."""
    return module not in ALLOWED | set(sys.stdlib_module_names) | set(local_modules)


def forbidden_imports(source, local_modules=()):
    """[(module, line)] of the imports the rule forbids, in order of appearance.

    Args:
        source: the submission's Python text. A file that does not parse has no imports
            this scan can see (the syntax error is reported by the other checks).
        local_modules: names of the submission's own modules next to it (allowed).
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    found = []
    for module, line in _imported_names(tree):
        if is_forbidden(module, local_modules) and (module, line) not in found:
            found.append((module, line))
    return sorted(found, key=lambda item: item[1])


def describe(module):
    kind = "a deep-learning or autodiff framework" if module in FRAMEWORKS else "not allowed"
    return f"{module} ({kind})"

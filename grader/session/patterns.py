"""Mistakes read from the submission's source, to name the cause of a failure its values
already showed (never to decide a check: only the values do that).

Parsed with `ast` in the grader's process from the code the grader itself read; nothing
runs.
"""

import ast

EXACT = (ast.Eq, ast.NotEq)


def _function(code, name):
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    found = [node for node in ast.walk(tree)
             if isinstance(node, ast.FunctionDef) and node.name == name]
    return found[-1] if found else None  # the last definition is the one Python uses


def _mentions(node, name):
    return any(isinstance(sub, ast.Name) and sub.id == name for sub in ast.walk(node))


def exact_comparison(code, function, position):
    """The line where `function` compares its argument number `position` (0-based) with
    a number by == or != (`pred_y[i] == 0`), or None."""
    node = _function(code, function)
    if node is None or len(node.args.args) <= position:
        return None
    argument = node.args.args[position].arg
    for compare in ast.walk(node):
        if not isinstance(compare, ast.Compare) or not any(
                isinstance(op, EXACT) for op in compare.ops):
            continue
        sides = [compare.left, *compare.comparators]
        numbers = [side for side in sides if isinstance(side, ast.Constant) and
                   isinstance(side.value, (int, float)) and not isinstance(side.value, bool)]
        if numbers and any(_mentions(side, argument) for side in sides):
            return compare.lineno
    return None

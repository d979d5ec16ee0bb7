"""The worker's answers as the checks read them: every value a plain float64 array of
the expected shape (`plain`, `expect_array`, `expect_params`), or CheckFailed saying in
words what came back (`returned_text`) and for which input (`describe_input`).

Every array is a fresh `np.ndarray` copy in float64, whatever type came back: an ndarray
subclass with its own comparisons never takes part in one.
"""

import re

import numpy as np

from grader.lab import SIGNATURES
from grader.session.cases import widths_label
from grader.session.marker import CheckFailed

LOW_PRECISION = ("float32", "float16")  # array types whose rounding swamps a 1e-6 step


def plain(array):
    """A float64 copy of array as an exact np.ndarray (never a subclass, never a view)."""
    return np.array(array, dtype=np.float64, subok=False)  # subok=False: a base ndarray


def shape_text(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def describe_input(value):
    """Short text for an argument in a message: an array's shape, a dict's key shapes."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {shape_text(value.shape)}"
    if isinstance(value, dict):
        widths = [value[key].shape[1] for key in ("W1", "W2", "W3") if key in value]
        if len(widths) == 3:
            return f"params of widths {widths_label((2, *widths))}"
    return repr(value)


def a(noun):
    """The noun with its indefinite article."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def returned_text(value):
    """What a description from the worker says came back, in words."""
    kind = value["kind"]
    if kind == "none":
        return "None"
    if kind == "array":
        array = value["array"]
        if array.ndim == 0:
            return f"the {value['type']} {array.item()!r}"
        return f"{a(value['type'])} of shape {shape_text(array.shape)}"
    if kind == "dict":
        return f"a dict with keys {sorted(value['items'])}"
    if kind == "tuple":
        kinds = ", ".join(returned_text(item) for item in value["items"][:3])
        return f"{a(value['type'])} of {len(value['items'])} items ({kinds})"
    return f"{a(value['type'])} ({value['repr']})"


def argument_names(function, modified):
    """The worker's "argument N (keys)" as the contract names that argument: "params (W1)"."""
    names = SIGNATURES[function].partition("(")[2].rstrip(")").split(", ")
    named = []
    for text in modified:
        match = re.match(r"argument (\d+)(.*)", str(text))
        position = int(match[1]) - 1 if match else -1
        named.append(names[position] + match[2] if 0 <= position < len(names) else str(text))
    return named


def expect_array(function, value, args, shape=None, what="the result", finite=True):
    """Check a described return value is an array (of `shape`, finite); return it."""
    called = function
    if args is not None:
        called += f"({', '.join(describe_input(arg) for arg in args)})"
    if value["kind"] != "array":
        expected = f"an array of shape {shape_text(shape)}" if shape else "an array"
        raise CheckFailed(f"{called} returned {returned_text(value)} as {what}; "
                          f"expected {expected}")
    array = plain(value["array"])
    if shape is not None and array.shape != tuple(shape):
        raise CheckFailed(f"{called} returned {returned_text(value)} as {what}; "
                          f"expected shape {shape_text(shape)}")
    if finite and not np.all(np.isfinite(array)):
        raise CheckFailed(f"{called} returned NaN or infinite values in {what}")
    return array


def expect_params(function, value, params, shapes=True):
    """Check a described dict has every key of params (with its shape); return the arrays."""
    if value["kind"] != "dict":
        raise CheckFailed(f"{function} returned {returned_text(value)}; expected a dict "
                          f"with the keys {list(params)}")
    items = value["items"]
    missing = [key for key in params if key not in items]
    if missing:
        raise CheckFailed(f"{function} returned a dict without {', '.join(missing)}; "
                          f"expected the keys {list(params)}")
    return {key: expect_array(function, items[key], None,
                              params[key].shape if shapes else None, what=key)
            for key in params}

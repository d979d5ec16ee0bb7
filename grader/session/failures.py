"""What a failed call or import of the submission says, and the kind of outcome it is:
the worker's description of an error (grader.sandbox.worker.describe_error) in words,
with a hint where the mistake has a known shape (arrays of incompatible shapes, a key
misspelled, a signature not the contract's).
"""

import ast
import traceback

from grader.lab import LAYER_KEYS, SIGNATURES
from grader.session.outcome import (
    CRASHED,
    FAILED,
    HINT,
    INTEGRITY,
    MEMORY,
    NOT_IMPLEMENTED,
    NOT_RUN,
    TIMEOUT,
    line,
)

NOT_IMPLEMENTED_TEXT = "not implemented yet"
SHAPE_ERRORS = ("matmul", "not aligned", "could not be broadcast", "shapes")
SHAPE_HINT = ("a product or sum got arrays of incompatible shapes: W1 is (2, h1), W2 (h1, h2), "
              "W3 (h2, 1), a = z_prev @ W + b; check which side of @ each array goes and "
              "whether one is transposed (.T) where it should not be, or is not where it should")


def error_text(function, error, own_path=str):
    """What a failed call says; own_path maps the graded copy's paths to the student's."""
    if error["not_implemented"]:
        return NOT_IMPLEMENTED_TEXT
    if error["type"] == "TrainingError":
        return f"during training, {error['message']}"
    text = f"{function} raised {error['type']}"
    if error["message"]:
        text += f": {own_path(error['message'])}"
    if error["type"] == "ValueError" and any(s in error["message"] for s in SHAPE_ERRORS):
        text += line(SHAPE_HINT, HINT)
    if error["type"] == "KeyError" and error["message"].strip("'\"") not in LAYER_KEYS and \
            error["message"].strip("'\"").upper() in {key.upper() for key in LAYER_KEYS}:
        text += line(f"params and grads use the keys {', '.join(LAYER_KEYS)}, spelled so "
                     "(a capital W, a small b)", HINT)
    if error["type"] == "TypeError" and "argument" in error["message"] and \
            function in SIGNATURES:
        text += line(f"the contract's signature is {SIGNATURES[function]}: the grader calls "
                     "it exactly so", HINT)
    if error["traceback"]:
        text += "\n" + own_path(error["traceback"]).rstrip()
    return text


def syntax_error_text(source, filename):
    """Python's own report of the first syntax error in source (file, line, caret), or None.

    Only parses the text (nothing runs), like the import rule's scan does.
    """
    try:
        ast.parse(source, filename=filename)
    except SyntaxError as error:
        return "".join(traceback.format_exception_only(error)).rstrip()
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def call_failure_kind(error):
    """The kind of a check's outcome when the worker's answer is this error."""
    if error["not_implemented"]:
        return NOT_IMPLEMENTED
    return MEMORY if error["type"] == "MemoryError" else FAILED


def import_failure_kind(error):
    """The kind of every check's outcome when the submission could not be imported."""
    causes = {"timeout": TIMEOUT, "crashed": CRASHED, "integrity": INTEGRITY}
    if error.get("cause") in causes:
        return causes[error["cause"]]
    return MEMORY if error["type"] == "MemoryError" else NOT_RUN

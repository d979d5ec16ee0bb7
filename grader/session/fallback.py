"""Grading a backprop.py by its definitions when importing it as it is does not work.

A training run, an endless loop, an `input()`, a `sys.exit()` or a failing
`open("data.txt")` left at the bottom of the file would cost every point, where the lab's
rule ("importing backprop.py trains nothing and prints nothing") costs 2. So when the
import runs out of time, ends its worker or raises, the file's copy is rewritten to its
definitions only (grader.intake.definitions) and imported again by the same handle: a
new worker with the same limits. The rule check then fails, naming what was left out.

What is decided here comes from the grader's side only: how the first import failed
(the handle's own timeout or the worker's end, else an exception) and the syntax tree of
the text submitted. A file that does not parse is not retried, and one whose definitions
raise the same exception again (an import of a module not handed in, a NameError in a
default argument or a decorator) is reported as it is: its definitions are what fails;
only an UPPER_CASE constant whose value raised (`DATA = np.loadtxt("data.txt")`) is
left out as well. Which line raised is read off the worker's traceback: it only chooses
what else to leave out, and leaving out more never earns a point.
"""

import re
from dataclasses import dataclass

from grader.intake.definitions import Definitions, named

FALLBACK_CAUSES = ("timeout", "crashed")  # grader.sandbox.handle.failed_import's causes
NOT_RETRIED = ("SyntaxError", "IndentationError", "TabError")  # the text itself is wrong
MODULE_LINE = re.compile(r"line (\d+), in <module>")
RETRIED_CONSTANTS = 3  # constants left out one by one, each a new worker
LEFT_OUT = "its top-level statements that are not definitions"
REMEDY = 'put them under `if __name__ == "__main__":`'


@dataclass
class ImportFallback:
    """A re-import of the definitions only.

    first: the failed import report of the file as it is; definitions: the Definitions
    of its text (None if it could not be written); second: the report of the definitions'
    import (None when there was nothing to leave out, so no second import).
    """

    first: dict
    definitions: Definitions | None
    second: dict | None

    @property
    def graded(self):
        """Whether the definitions imported, so that the functions are graded."""
        return self.second is not None and self.second["ok"]


def import_definitions_only(submission, worker, info):
    """The ImportFallback after a failed import report `info`, or None when the way it
    failed is no reason to leave statements out."""
    if info["ok"]:
        return None
    error = info["error"]
    raised = error.get("cause") is None and error["type"] not in NOT_RETRIED
    if error.get("cause") not in FALLBACK_CAUSES and not raised:
        return None
    definitions = submission.definitions_only()
    second = worker.reload() if definitions is not None and definitions.left_out else None
    # A constant whose value raised (a data file read at import) is left out as well.
    constants = []
    while definitions is not None and len(constants) < RETRIED_CONSTANTS:
        latest = second or info
        constant = None if latest["ok"] or latest["error"].get("cause") is not None else \
            definitions.constant_at(raised_on_line(latest) or 0)
        if constant is None or constant in constants:
            break
        constants.append(constant)
        definitions = submission.definitions_only(leave_out=tuple(constants))
        second = worker.reload() if definitions is not None else None
    if raised and not constants and (second is None or same_exception(info, second)):
        return None  # what raises is a definition or an import: said as it is
    return ImportFallback(first=info, definitions=definitions, second=second)


def raised_on_line(info):
    """The line of the module's own statement that raised at import, or None."""
    lines = MODULE_LINE.findall(info["error"].get("traceback") or "")
    return int(lines[0]) if lines else None


def same_exception(first, second):
    """Whether two failed import reports name the same exception."""
    return not second["ok"] and all(first["error"].get(key) == second["error"].get(key)
                                    for key in ("type", "message", "cause"))


def how_it_failed(info):
    """What a failed import did, after "could not be imported: ": "importing it did not
    finish within 3 s", "importing it raised EOFError (EOF when reading a line) on line 87"."""
    error = info["error"]
    if error.get("cause") is not None:
        return error["message"]
    text = f"importing it raised {error['type']}"
    if error["message"]:
        text += f" ({error['message']})"
    line = raised_on_line(info)
    return text + (f" on line {line}" if line else "")


def rule_failure(fallback, file_name):
    """Why the quiet-import rule fails when the definitions alone were graded."""
    return (f"{file_name} as it is could not be imported: {how_it_failed(fallback.first)}."
            f" It was graded without {LEFT_OUT} ({named(fallback.definitions.left_out)}): "
            f"{REMEDY} (this costs only this check's points)")


def not_importable(fallback, describe):
    """Sentences to add to the report of a file that could not be imported even so.

    describe(info): the account of a failed import report, after "could not be imported: ".
    """
    definitions = fallback.definitions
    if definitions is None:
        return ""
    culprits = "\nSo the cause is in what its definitions, imports or constants run"
    if definitions.running:
        culprits += f"; those that run code: {named(definitions.running)}"
    if fallback.second is None:
        return f"\nAll its top-level statements are definitions, imports or constants.{culprits}"
    text = f"\nWithout {LEFT_OUT} ({named(definitions.left_out)}), it still could not be " \
           f"imported: {describe(fallback.second)}"
    if fallback.second["error"].get("cause") in FALLBACK_CAUSES:
        text += culprits
    return text

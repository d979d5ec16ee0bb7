"""Grading a backprop.py by its definitions when importing it as it is does not finish.

A training run or an endless loop left at the bottom of the file would cost every point,
where the lab's rule ("importing backprop.py trains nothing and prints nothing") costs 2.
So when the import runs out of time or ends its worker, the file's copy is rewritten to
its definitions only (grader.intake.definitions) and imported again by the same handle:
a new worker with the same limits. The rule check then fails, naming what was left out.

What is decided here comes from the grader's side only: how the first import failed
(the handle's own timeout or the worker's end) and the syntax tree of the text submitted.
An exception raised at import (SystemExit, a forbidden module that fails to import) is
no reason to re-import: it is reported as it is.
"""

from dataclasses import dataclass

from grader.intake.definitions import Definitions, named

FALLBACK_CAUSES = ("timeout", "crashed")  # grader.sandbox.handle.failed_import's causes
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
    if info["ok"] or info["error"].get("cause") not in FALLBACK_CAUSES:
        return None
    definitions = submission.definitions_only()
    second = worker.reload() if definitions is not None and definitions.left_out else None
    return ImportFallback(first=info, definitions=definitions, second=second)


def rule_failure(fallback, file_name):
    """Why the quiet-import rule fails when the definitions alone were graded."""
    return (f"{file_name} as it is could not be imported: {fallback.first['error']['message']}."
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

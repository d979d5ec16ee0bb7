"""What a check's run comes to: a CheckResult, with the kind of its outcome.

Kinds, so that nothing downstream has to read the feedback's prose:
    passed            the check's verdict is yes
    failed            the submission's values, shapes or figures are wrong
    not_implemented   the function still raises NotImplementedError
    timeout           a call into the submission ran out of time
    memory            the submission hit the memory limit
    crashed           the submission ended its worker (os._exit, a signal, the CPU limit)
    integrity         the submission replaced functions the grader relies on (numpy's,
                      builtins, the worker's): nothing it answered after that counts
    not_run           nothing could be called: no file, or a file that cannot be imported
                      or read
    grader_error      the grader itself failed on the check (a data file, a reference
                      value, its own code): not the submission's doing, never a score
"""

from dataclasses import dataclass

PASSED, FAILED, NOT_IMPLEMENTED = "passed", "failed", "not_implemented"
TIMEOUT, MEMORY, CRASHED, NOT_RUN = "timeout", "memory", "crashed", "not_run"
INTEGRITY, GRADER_ERROR = "integrity", "grader_error"
KINDS = (PASSED, FAILED, NOT_IMPLEMENTED, TIMEOUT, MEMORY, CRASHED, NOT_RUN, INTEGRITY,
         GRADER_ERROR)

# Lines of a failure message that reports show in full and the regrade summary groups
# the class by: a diagnosis names the mistake (grader.session.diagnosis), a hint
# suggests where to look where the pattern is a guess (an error message's wording).
DIAGNOSIS = "Diagnosis: "
HINT = "Hint: "


def line(sentence, prefix=DIAGNOSIS):
    """The line of a failure message that carries a diagnosis (or hint) sentence."""
    return f"\n  {prefix}{sentence}"


def sentences_in(message):
    """The diagnosis and hint sentences of a failure message, in order."""
    found = []
    for text in message.splitlines():
        text = text.strip()
        if text.startswith((DIAGNOSIS, HINT)):
            found.append(text)
    return found


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome.

    name: the check's name, parameters filled in; group: its check group (grader.lab
    GROUPS), from the @check marker; points: what the check is worth; bonus: the
    points come on top of the total; messages: lines for the student (why it failed,
    or what was measured when it passed).
    """

    name: str
    group: str
    kind: str
    points: float
    visibility: str
    messages: tuple = ()
    bonus: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r} of check {self.name!r}")

    @property
    def passed(self):
        return self.kind == PASSED

    @property
    def internal_error(self):
        """The grader failed on this check, not the submission."""
        return self.kind == GRADER_ERROR

    @property
    def not_implemented(self):
        return self.kind == NOT_IMPLEMENTED

    @property
    def score(self):
        return self.points if self.passed else 0

    @property
    def max_score(self):
        """What the check adds to the maximum (nothing for a bonus check)."""
        return 0 if self.bonus else self.points

    @property
    def output(self):
        return "\n".join(self.messages)

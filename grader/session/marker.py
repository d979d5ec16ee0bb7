"""What a check is: a pytest test with a name, a group, points and a visibility, that
fails by raising CheckFailed with a message written for the student."""

import pytest

from grader.lab import GROUPS
from grader.session.outcome import FAILED, NOT_IMPLEMENTED

VISIBLE, HIDDEN = "visible", "hidden"


class CheckFailed(AssertionError):
    """A check found the submission wrong; the message says what and what to do.

    kind: what happened (grader.session.outcome): "failed" by default, "not_implemented"
    when the function still raises NotImplementedError, "timeout", "memory", "crashed"
    or "not_run" when the submission could not be called.
    """

    def __init__(self, message, not_implemented=False, kind=None):
        super().__init__(message)
        self.kind = kind or (NOT_IMPLEMENTED if not_implemented else FAILED)
        self.not_implemented = self.kind == NOT_IMPLEMENTED


def check(name, points, visibility=VISIBLE, bonus=False):
    """Mark a test as a graded check.

    Args:
        name: "<group>: <what is verified>", the group one of grader.lab.GROUPS (the
            contract function checked, or rules, convergence, report); `{param}` fields
            are filled from the test's parameters (tuples of widths print as 2-3-5-1).
        points: the most the check earns.
        visibility: "visible", or "hidden" for checks students never see.
        bonus: the points come on top of the total (the check adds nothing to the maximum).
    """
    group = name.split(":", 1)[0]
    if group not in GROUPS or not name.startswith(f"{group}: "):
        raise ValueError(f"check name {name!r} must start with one of the groups "
                         f"{', '.join(GROUPS)} and a colon")
    return pytest.mark.check(name=name, group=group, points=points, visibility=visibility,
                             bonus=bonus)


def fail_unless(condition, message):
    if not condition:
        raise CheckFailed(message)

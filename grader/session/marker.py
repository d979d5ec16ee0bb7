"""What a check is: a pytest test with a name, points and a visibility, that fails
by raising CheckFailed with a message written for the student."""

import pytest

VISIBLE, HIDDEN = "visible", "hidden"


class CheckFailed(AssertionError):
    """A check found the submission wrong; the message says what and what to do.

    not_implemented is set when the function still raises NotImplementedError.
    """

    def __init__(self, message, not_implemented=False):
        super().__init__(message)
        self.not_implemented = not_implemented


def check(name, points, visibility=VISIBLE, bonus=False):
    """Mark a test as a graded check.

    Args:
        name: "<function>: <what is verified>"; `{param}` fields are filled from the
            test's parameters (tuples of widths print as 2-3-5-1).
        points: the most the check earns.
        visibility: "visible", or "hidden" for checks students never see.
        bonus: the points come on top of the total (the check adds nothing to the maximum).
    """
    return pytest.mark.check(name=name, points=points, visibility=visibility, bonus=bonus)


def fail_unless(condition, message):
    if not condition:
        raise CheckFailed(message)

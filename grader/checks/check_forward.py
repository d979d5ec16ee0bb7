"""forward: the network's output against the reference's, for several widths and sizes."""

import numpy as np
import pytest

from grader.session import carried
from grader.session.cases import inputs, random_params
from grader.session.diagnosis import error_summary
from grader.session.gradcheck import rel_error
from grader.session.marker import check, fail_unless
from grader.session.outcome import line

TOLERANCE = 1e-7
WIDTHS = [(2, 4, 4, 1), (2, 3, 5, 1), (2, 1, 7, 1)]
SIZES = (1, 7, 100)


@pytest.mark.parametrize("widths", WIDTHS)
@check("forward: matches the reference (widths {widths}, N = 1, 7, 100)", points=4)
def check_forward_values(student, reference, widths):
    params = random_params(widths, seed=0)
    with student.judging("forward"):
        for n in SIZES:
            x, _ = inputs(n)
            y_pred, _, modified = student.forward(x, params)
            fail_unless(not modified, f"forward modified its {', '.join(modified)} in place; "
                                      "it must leave x and params unchanged")
            expected = reference.forward(x, params)
            fail_unless(rel_error(y_pred, expected) < TOLERANCE,
                        f"forward's y_pred differs from the reference for widths "
                        f"{'-'.join(map(str, widths))} and N = {n} "
                        f"({error_summary(y_pred, expected)}).\n"
                        f"  got:      {np.round(y_pred[:5, 0], 6)}\n"
                        f"  expected: {np.round(expected[:5, 0], 6)}\n"
                        "  Each layer is a = z_prev @ W + b, z = sigmoid(a), the output layer "
                        "too." + output_sigmoid_hint(y_pred, expected)
                        + biases_hint(x, params, y_pred))


def output_sigmoid_hint(y_pred, expected):
    """A diagnosis line when y_pred is the output layer's pre-activation a3."""
    with np.errstate(over="ignore"):
        squashed = 1.0 / (1.0 + np.exp(-y_pred))
    if rel_error(squashed, expected) < TOLERANCE:
        return line("y_pred is the output layer's pre-activation a3: apply sigmoid after W3 "
                    "too, so that y_pred lies in (0, 1)")
    return ""


def biases_hint(x, params, y_pred):
    """A diagnosis line when y_pred is the contract's network with some biases left out
    (the handout's diagram draws none): the fewest left-out biases that explain it."""
    left_out = carried.left_out_biases(x, params, y_pred)
    if left_out is None:
        return ""
    return line(f"your forward leaves out the bias{'es' if len(left_out) > 1 else ''} "
                f"{', '.join(left_out)}: y_pred is the contract's with "
                f"{carried.biases_text(list(left_out))}. Each layer adds its bias, "
                "a = z_prev @ W + b (backward's checks judge your network where the two agree)")

"""Hidden checks, run only when regrading (`python -m grader regrade`): fresh widths,
inputs and data drawn from the hidden seed (`regrade --seed`), compared with the live
reference. They are not shipped in the student template, and their results have hidden
visibility."""

import numpy as np
import pytest

from grader.lab import LAYER_KEYS
from grader.sandbox import training
from grader.session import carried, network
from grader.session.cases import init_params, rng
from grader.session.gradcheck import rel_error
from grader.session.marker import HIDDEN, check, fail_unless
from grader.session.reference import loss_value
from grader.session.retrain import retrained

TOLERANCE = 1e-6
N = 13
WIDTHS = (2, 4, 4, 1)
LEARNING_RATE = 1.0
REFERENCE_BUDGET = 2000  # epochs the reference gets to separate a candidate data set
BUDGET = 4000  # epochs a submission gets on it


@pytest.fixture(scope="session")
def fresh(options):
    """Widths (two, with h1 != h2), inputs and labels drawn from the hidden seed."""
    generator = rng(options.hidden_seed)
    widths = []
    while len(widths) < 2:
        h1, h2 = (int(h) for h in generator.integers(2, 10, size=2))
        if h1 != h2:
            widths.append((2, h1, h2, 1))
    x = generator.uniform(-0.5, 1.5, (N, 2))
    y = (generator.uniform(size=(N, 1)) < 0.5).astype(np.float64)
    params = [{key: value + generator.normal(0, 0.3, value.shape)
               for key, value in init_params(w, int(generator.integers(1 << 30))).items()}
              for w in widths]
    return widths, x, y, params


@check("forward: matches the live reference on fresh widths and inputs", points=2,
       visibility=HIDDEN)
def check_hidden_forward(student, reference, fresh):
    widths, x, _, all_params = fresh
    for w, params in zip(widths, all_params):
        y_pred, _, _ = student.forward(x, params)
        error = rel_error(y_pred, reference.forward(x, params))
        fail_unless(error < TOLERANCE, f"forward differs for widths {w} (relative error "
                                       f"{error:.2g})")


@check("backward: every gradient matches the live reference on fresh widths and inputs",
       points=4, visibility=HIDDEN)
def check_hidden_backward(student, reference, fresh, backprop_rule):
    widths, x, y, all_params = fresh
    kind = student.declared_loss()
    failing = carried.failing_inputs(student)
    for w, params in zip(widths, all_params):
        y_pred, cache, _ = student.forward(x, params)
        grads, _ = student.backward(y, cache, params)
        expected = reference.backward(x, y, params, kind)
        # An error of derivative_loss / derivative_sigmoid is carried forward (see
        # grader.session.carried), where the submission's forward is the contract's.
        own = (carried.given_own(student, failing, x, y, kind, params) if failing and
               carried.agrees(y_pred, carried.activations(x, params)[-1]) else None)
        for key in LAYER_KEYS:
            fail_unless(any(grads[key].shape == right[key].shape
                            and rel_error(grads[key], right[key]) < TOLERANCE
                            for right in (expected, own) if right is not None),
                        f"d{key} differs from the reference for widths {w}")
    backprop_rule().require()


@check("loss: matches the declared loss on fresh predictions", points=2, visibility=HIDDEN)
def check_hidden_loss(student, fresh):
    _, _, y, _ = fresh
    kind = student.declared_loss()
    y_pred = rng(5, len(y)).uniform(0.01, 0.99, y.shape)
    value = student.call("loss", y_pred, y)["value"]
    fail_unless(value["kind"] == "array" and value["array"].size == 1,
                "loss did not return one number")
    got, expected = float(value["array"].ravel()[0]), loss_value(y_pred, y, kind)
    fail_unless(abs(got - expected) <= 1e-7 * abs(expected), f"loss gives {got}, "
                                                             f"expected {expected}")


@pytest.fixture(scope="session")
def fresh_linear(options, reference):
    """Fresh linear data (the lab's generator, a hidden seed) the reference separates."""
    lab = reference.lab
    seed = options.hidden_seed
    for attempt in range(20):
        x, y = lab.generate_linear(n=100, seed=seed + attempt)
        _, params = training.train((lab.forward, lab.backward, lab.update), x, y,
                                   init_params(WIDTHS, 1), LEARNING_RATE, REFERENCE_BUDGET)
        if network.accuracy(network.forward(x, params), y) == 1.0:
            return x, y
    raise RuntimeError("no fresh linear data set the reference separates")


@check("convergence: 100 % accuracy on fresh linear data", points=2, visibility=HIDDEN)
def check_hidden_convergence(student, fresh_linear):
    x, y = fresh_linear
    epochs, trained = student.train(x, y, init_params(WIDTHS, 1), lr=LEARNING_RATE,
                                    max_epochs=BUDGET, timeout=30.0)
    accuracy = network.accuracy(network.forward(x, trained), y)
    if accuracy < 1.0 and retrained(student, x, y, init_params(WIDTHS, 1), LEARNING_RATE,
                                    BUDGET, 30.0):
        return  # a multiple on the step, charged where it is made, is not charged again
    fail_unless(accuracy == 1.0, f"accuracy {100 * accuracy:.2f} % after {epochs} epochs")

"""The training trajectory's check (grader.session.trajectory), on both sides: gradient
descent with the gradient, or one fixed multiple of it, passes; a jump to stored params,
an update that ignores its grads and a gradient that is not one multiple fail."""

import re

import numpy as np
import pytest

from grader.lab import LAYER_KEYS
from grader.session import network
from grader.session.cases import init_params, inputs
from grader.session.marker import CheckFailed
from grader.session.trajectory import check_trajectory
from tests.grading import grade_source
from tests.submissions.mutants import MUTANTS, mutant_source

X, Y = inputs(40, seed=3)
LR = 1.0


def trajectory(steps=5, scale=1.0, sign=-1.0, bias_scale=1.0, jump_at=None, wobble=False):
    """(trajectory, epochs, initial, trained) of `steps` steps whose grads are scale times
    the gradient (bias gradients bias_scale times more; with wobble, W1's multiple changes
    from step to step) and whose update adds sign * lr * grads; at step jump_at the params
    become other ones."""
    params = init_params((2, 4, 4, 1), 1)
    initial = {key: value.copy() for key, value in params.items()}
    record = {"params": {key: [] for key in LAYER_KEYS}, "grads": {key: [] for key in LAYER_KEYS}}
    for step in range(steps):
        grads = {key: scale * value * (bias_scale if key[0] == "b" else 1.0)
                 * (1.0 + step if wobble and key == "W1" else 1.0)
                 for key, value in network.backward(X, Y, params, "mse").items()}
        for key in LAYER_KEYS:
            record["params"][key].append(params[key])
            record["grads"][key].append(grads[key])
        params = {key: params[key] + sign * LR * grads[key] for key in LAYER_KEYS}
        if step == jump_at:
            params = init_params((2, 4, 4, 1), 9)
    for key in LAYER_KEYS:
        record["params"][key].append(params[key])
    stacked = {part: {key: np.stack(arrays) for key, arrays in kept.items()}
               for part, kept in record.items()}
    return stacked, steps, initial, params


@pytest.mark.parametrize("case", [{}, {"scale": 0.5}, {"scale": 40.0},
                                  {"scale": -1.0, "sign": 1.0}, {"bias_scale": 1 / 40}])
def test_gradient_descent_with_the_gradient_or_a_fixed_multiple_passes(case):
    recorded, epochs, initial, trained = trajectory(**case)
    check_trajectory(recorded, epochs, X, Y, initial, LR, "mse", trained)


@pytest.mark.parametrize(("case", "message"), [
    ({"jump_at": 2}, "update did not return params - lr * grads"),
    ({"wobble": True}, "are not the gradient"),
    ({"scale": -1.0}, "does not go down the loss"),
])
def test_params_that_training_did_not_produce_fail(case, message):
    recorded, epochs, initial, trained = trajectory(**case)
    with pytest.raises(CheckFailed, match=re.escape(message)):
        check_trajectory(recorded, epochs, X, Y, initial, LR, "mse", trained)


def test_the_start_and_the_end_must_be_the_loops_own():
    recorded, epochs, initial, trained = trajectory()
    other = {key: value + 1.0 for key, value in trained.items()}
    with pytest.raises(CheckFailed, match="last step"):
        check_trajectory(recorded, epochs, X, Y, initial, LR, "mse", other)
    moved = {key: value + 1.0 for key, value in initial.items()}
    with pytest.raises(CheckFailed, match="initial params"):
        check_trajectory(recorded, epochs, X, Y, moved, LR, "mse", trained)
    recorded["grads"].pop("W2")
    with pytest.raises(CheckFailed, match="cannot be checked"):
        check_trajectory(recorded, epochs, X, Y, initial, LR, "mse", trained)


def test_the_graders_network_agrees_with_the_reference(lab):
    params = init_params((2, 3, 5, 1), 2)
    for kind in ("mse", "bce"):
        lab.LOSS = kind
        expected = lab.backward(Y, lab.forward(X, params)[1], params)
        got = network.backward(X, Y, params, kind)
        assert all(np.allclose(got[key], expected[key], rtol=1e-10, atol=1e-14)
                   for key in LAYER_KEYS)


def test_a_backward_charged_in_its_own_checks_keeps_convergence_while_it_descends():
    """Error carried forward: grads that are not one multiple of the gradient (a backward
    whose own checks fail and charge it) pass as long as every step goes down the loss;
    a step that climbs it, or a jump to other params, still fails."""
    recorded, epochs, initial, trained = trajectory(wobble=True)
    check_trajectory(recorded, epochs, X, Y, initial, LR, "mse", trained, carried=True)
    recorded, epochs, initial, trained = trajectory(scale=-1.0)
    with pytest.raises(CheckFailed, match="does not go down"):
        check_trajectory(recorded, epochs, X, Y, initial, LR, "mse", trained, carried=True)
    recorded, epochs, initial, trained = trajectory(jump_at=2, wobble=True)
    with pytest.raises(CheckFailed, match="update did not return"):
        check_trajectory(recorded, epochs, X, Y, initial, LR, "mse", trained, carried=True)


def test_a_wrong_backward_that_still_descends_keeps_its_convergence_points(tmp_path):
    """Both sides end to end: the output sigmoid derivative left out costs backward's
    checks, not convergence as well; a backward of the wrong sign converges nowhere."""
    for name, converges in (("backward_output_sigmoid_derivative_missing", True),
                            ("backward_sign_flipped", False)):
        mutant = next(m for m in MUTANTS if m.name == name)
        (tmp_path / name).mkdir()
        results = grade_source(mutant_source(mutant), tmp_path / name)
        convergence = [c for c in results.checks if c.group == "convergence"]
        assert convergence and all(c.passed == converges for c in convergence), name

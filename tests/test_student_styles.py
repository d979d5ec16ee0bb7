"""The grader on code written the way students of this lab write it (tests/submissions/styles/).

Each example keeps a real style's own conventions and mistakes: a mistake costs once (the
checks that measure it directly), the checks that follow from it are judged with the
error carried forward and say so, and the feedback names the convention behind it. The
other direction is tested too: a function that does not work never gets points from an
error carried forward.
"""

import re
from pathlib import Path

import pytest

from grader.results import reports
from tests.grading import by_name
from tests.submissions.mutants import MUTANTS, mutant_source

STYLES = Path(__file__).resolve().parent / "submissions" / "styles"

# name -> (score of the 100, bonus, {check group: regexes its failures must show},
#          {check group: regexes its passing notes must show})
EXPECTED = {
    # ½·Σ loss: loss and derivative_loss lose their points (6 + 6), nothing else does.
    "half_sum_loss": (88, 0, {
        "loss": [r"off by a factor N/2 = 50 \(too large\): a halved sum, ½·Σ",
                 r"0\.5 for N = 1, 3\.5 for N = 7, 50 for N = 100"],
        "derivative_loss": [r"N = 7 \(off by a factor N/2 = 3\.5 \(too large\)\)",
                            r"the derivative of a ½·Σ loss"]},
        {"backward": [r"right given your own derivative_loss"],
         "convergence": [r"at lr 1 / 50: your gradients are the contract's but off by a "
                         r"factor N/2"]}),
    # error = y - output, ½·Σ, W += lr * dW: three functions off the convention, each once
    # (update's sign costs its value check only: its step still scales with lr).
    "delta_rule": (84, 0, {
        "loss": [r"½·Σ"],
        "derivative_loss": [r"error = y - output with a ½·Σ loss"],
        "update": [r"update adds the step", r"the delta rule.s W \+= lr"]},
        {"backward": [r"right given your own derivative_loss"]}),
    # The 1/N on the biases only: derivative_loss without it, db averaged.
    "layer_class": (94, 0, {
        "derivative_loss": [r"a sum instead of a mean \(the 1/N of the mean is missing\)"]},
        {"backward": [r"the 1/N sits on the biases only"]}),
    # One sample at a time as column vectors, and right: full marks.
    "column_vectors": (100, 0, {}, {}),
    # BCE without the 1/N: the hint speaks of BCE, never of (y_pred - y) ** 2.
    "bce_class_sum": (94, 0, {
        "derivative_loss": [r"a sum instead of a mean", r"\(y_pred - y\) / \(y_pred \* "
                                                        r"\(1 - y_pred\)\) / N"]},
        {"backward": [r"right given your own derivative_loss"]}),
    # No biases: forward (12) and the three db checks (9); the reference checks compare
    # the weight gradients where the two networks agree.
    "bias_free": (79, 0, {
        "forward": [r"your forward leaves out the biases b1, b2, b3"],
        "backward": [r"your forward leaves out b1 \(forward's checks name it\)"]},
        {"backward": [r"compared where your network and the contract's agree, b1, b2, b3 "
                      r"all 0"]}),
    # The handout's show_result: pred_y == 0 never holds for a probability.
    "handout_show_result": (97, 0, {
        "show_result": [r"show_result compares pred_y with == on line 59"]}, {}),
    # Momentum with lr folded into the velocity: named, the bonus not given.
    "momentum_lr_folded": (100, 1, {
        "momentum_update": [r"your velocity is -lr times the contract's",
                            r"lr folded into the velocity \(v = μ·v - lr·g; w \+= v\)"]}, {}),
    # Bonus extras each wrong in one place, and the place named.
    "extras_one_cause": (100, 0, {
        "relu": [r"For input 0 it returned 1, expected 0",
                 r"it is wrong only at the input 0, right everywhere else"],
        "momentum_update": [r"momentum_update ignores the velocity it is given"],
        "adam_update": [r"got -?\d\.\d+, expected", r"the step count t \+ 1 = 4"]}, {}),
}


def test_every_style_has_expectations():
    assert {path.stem for path in STYLES.glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_style_gets_its_fair_score_and_diagnosis(name, graded):
    score, bonus, failing, passing = EXPECTED[name]
    results = graded(STYLES / f"{name}.py")
    assert not any(c.internal_error for c in results.checks)
    assert (results.core, results.bonus) == (score, bonus), [
        (c.name, c.output) for c in results.checks if not c.passed]
    for group, patterns in failing.items():
        texts = "\n".join(c.output for c in results.checks if c.group == group and not c.passed)
        for pattern in patterns:
            assert re.search(pattern, texts), (group, pattern, texts)
    for group, patterns in passing.items():
        texts = "\n".join(c.output for c in results.checks if c.group == group and c.passed)
        for pattern in patterns:
            assert re.search(pattern, texts), (group, pattern, texts)


def source(name):
    return (STYLES / f"{name}.py").read_text(encoding="utf-8")


def backward_points(results):
    return sum(c.score for c in results.checks if c.group == "backward")


def test_a_wrong_chain_rule_gets_nothing_from_an_error_carried_forward(graded):
    """½·Σ loss and a backward that leaves out the hidden layers' sigmoid derivative: the
    loss's error is carried forward, the chain rule's own error still costs."""
    wrong = source("half_sum_loss").replace(
        'delta2 = delta3 @ params["W3"].T * derivative_sigmoid(z2)',
        'delta2 = delta3 @ params["W3"].T')
    assert wrong != source("half_sum_loss")
    checks = by_name(graded(wrong))
    assert checks["backward: dW3 matches finite differences (widths 2-3-5-1)"].passed
    for key in ("W1", "b1", "W2", "b2"):
        assert not checks[f"backward: d{key} matches finite differences (widths 2-3-5-1)"].passed
    assert not any(c.passed for name, c in checks.items()
                   if name.startswith("backward: every gradient matches the reference"))


def test_a_bias_free_network_with_a_wrong_backward_loses_the_reference_checks(graded):
    wrong = source("bias_free").replace(
        "d3 = derivative_loss(z3, y) * derivative_sigmoid(z3)", "d3 = derivative_loss(z3, y)")
    assert wrong != source("bias_free")
    results = graded(wrong)
    checks = by_name(results)
    assert not any(c.passed for name, c in checks.items() if name.startswith("backward: "))
    assert backward_points(results) == 0


def test_placeholders_get_nothing_from_an_error_carried_forward(graded):
    """A derivative_loss of zeros and a backward of zeros match each other: that proves
    nothing, and no gradient check passes."""
    stub = source("half_sum_loss").replace("    return y_pred - y\n",
                                           "    return np.zeros_like(y_pred)\n")
    assert stub != source("half_sum_loss")
    assert backward_points(graded(stub)) == 0


def test_a_wrong_derivative_sigmoid_is_carried_into_a_right_chain_rule(graded):
    """derivative_sigmoid that applies the sigmoid again costs its own checks; backward,
    right given it, keeps its points; a backward that is wrong anyway does not."""
    applied = source("half_sum_loss").replace(
        "    return y * (1.0 - y)\n", "    return sigmoid(y) * (1.0 - sigmoid(y))\n").replace(
        "    return 0.5 * np.sum((y_pred - y) ** 2)\n",
        "    return np.mean((y_pred - y) ** 2)\n").replace(
        "    return y_pred - y\n", "    return 2 * (y_pred - y) / len(y)\n")
    results = graded(applied)
    assert backward_points(results) == 30
    assert sum(c.max_score - c.score for c in results.checks
               if c.group == "derivative_sigmoid") == 5
    assert all("right given your own derivative_sigmoid" in c.output
               for c in results.checks if c.group == "backward" and "matches" in c.name)
    also_wrong = applied.replace('return {"W3": z2.T @ delta3,',
                                 'return {"W3": z2.T @ delta2[:, :1],')
    assert also_wrong != applied
    assert not by_name(graded(also_wrong))[
        "backward: dW3 matches finite differences (widths 2-3-5-1)"].passed


def lost_by_group(results):
    lost = {}
    for check in results.checks:
        if check.score < check.max_score:
            lost[check.group] = lost.get(check.group, 0) + check.max_score - check.score
    return lost


def test_a_wrong_derivative_sigmoid_is_not_charged_again_in_convergence(graded):
    """A wrong derivative_sigmoid under a right chain rule costs its own checks. Its
    training is judged with the error carried forward (every step goes down the loss),
    as for a failing backward: the linear data, which it learns, keep their points; the
    XOR data, where its steps stop going down the loss, do not. A backward that is
    wrong on its own as well (its steps climb the loss) still loses convergence."""
    double = next(m for m in MUTANTS if m.name == "derivative_sigmoid_double_sigmoid")
    results = graded(mutant_source(double))
    assert set(lost_by_group(results)) == {"derivative_sigmoid", "convergence"}
    linear = [c for c in results.checks if c.group == "convergence" and "linear" in c.name]
    assert linear and all(c.passed for c in linear), [c.output for c in linear]
    xor = [c for c in results.checks if c.group == "convergence" and "XOR" in c.name]
    assert not any(c.passed for c in xor)
    assert all("does not go down the MSE loss" in c.output for c in xor)
    # The student is told where the cause is: derivative_sigmoid, not update or backward.
    assert all("derivative_sigmoid fails its own checks: fix derivative_sigmoid first"
               in c.output for c in xor), [c.output for c in xor]
    ascent = mutant_source(double).replace("derivative_loss(y_pred, y) * derivative_sigmoid",
                                           "derivative_loss(y, y_pred) * derivative_sigmoid")
    assert ascent != mutant_source(double)
    wrong_too = graded(ascent)
    assert not any(c.passed for c in wrong_too.checks if c.group == "backward")
    assert not any(c.passed for c in wrong_too.checks if c.group == "convergence")


def test_gradient_ascent_is_never_retrained_into_convergence(graded):
    """A backward of the opposite sign with a right update climbs the loss: no learning
    rate turns that into the contract's training, and convergence is not credited."""
    ascent = source("delta_rule").replace("new[key] += lr * grads[key]",
                                          "new[key] -= lr * grads[key]")
    assert ascent != source("delta_rule")
    results = graded(ascent)
    assert not any(c.passed for c in results.checks if c.group == "convergence")


def test_the_hidden_checks_carry_the_error_forward_too(graded):
    """The course's hidden checks judge backward and convergence the same way: the ½·Σ
    loss costs its own checks, not the hidden backward or convergence check as well."""
    results = graded(STYLES / "half_sum_loss.py", hidden=True)
    hidden = {c.name: c for c in results.checks if c.visibility == "hidden"}
    assert hidden["backward: every gradient matches the live reference on fresh widths and "
                  "inputs"].passed
    assert hidden["convergence: 100 % accuracy on fresh linear data"].passed
    assert not hidden["loss: matches the declared loss on fresh predictions"].passed


def test_what_the_student_reads_in_the_terminal_and_feedback(graded):
    """A value bug points at its function's line; a diagnosis is told once however many
    checks share it; a bonus reads as a bonus, never as "1 / 0"."""
    results = graded(STYLES / "half_sum_loss.py")
    details = reports.table(results).split("What to fix", 1)[1]
    code = source("half_sum_loss").splitlines()
    line = next(number for number, text in enumerate(code, 1) if text.startswith("def loss("))
    assert f"at half_sum_loss.py line {line}, in loss" in details  # the file handed in
    missing = next(m for m in MUTANTS if m.name == "backward_output_sigmoid_derivative_missing")
    details = reports.table(graded(mutant_source(missing))).split("What to fix", 1)[1]
    assert details.count("every gradient misses the output sigmoid's derivative") == 1
    extras = reports.feedback_markdown(graded(STYLES / "extras_one_cause.py"))
    assert "- `relu`: +0 bonus" in extras and "/ 0" not in extras
    assert "### relu: values and derivative_relu(y) = 1 where y > 0 (bonus) (+0 bonus)" in extras


def test_a_curve_of_one_point_is_counted_in_words(graded):
    one_point = source("column_vectors").replace(
        "plt.plot(range(1, len(losses) + 1), losses)", "plt.plot([len(losses)], losses[-1:])")
    assert one_point != source("column_vectors")
    curve = by_name(graded(one_point))[
        "show_learning_curve: plots every loss, in order, against the epoch"]
    assert "the curve has 1 point for 60 losses" in curve.output

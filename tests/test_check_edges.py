"""The checks at the edges: points only for working functions, diagnoses that blame the
right place, penalties in proportion, and feedback a student can read in the terminal.

Each diagnosis is tested on both sides: the bug it names gets it, the correct variant
and other bugs do not.
"""

from pathlib import Path

import numpy as np
import pytest

from grader.grade import grade
from grader.intake.rules import forbidden_imports
from grader.results import reports
from grader.session.answers import expect_array, plain
from grader.session.diagnosis import error_summary, wrong_layers_sentence
from grader.session.gradcheck import uninformative
from grader.session.outcome import sentences_in
from tests.grading import by_name, grade_source, solution_source
from tests.submissions.mutants import MUTANTS, mutant_source
from tests.test_notebook_submissions import function_cells, notebook, write

KEYS = ["W1", "b1", "W2", "b2", "W3", "b3"]
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
MUTANT = {mutant.name: mutant for mutant in MUTANTS}


def patched(find, replace, source=None):
    source = source or solution_source()
    assert source.count(find) == 1, find
    return source.replace(find, replace)


def failures(results, group):
    return [c for c in results.checks if c.group == group and not c.passed]


def texts(results, group):
    return "\n".join(c.output for c in failures(results, group))


class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

    def __sub__(self, other):
        return np.zeros(self.shape).view(AlwaysEqual)


# -- 1. plain arrays, properties only for working functions ----------------------------

def test_plain_makes_an_exact_float64_ndarray_copy():
    cheat = np.ones((2, 3)).view(AlwaysEqual)
    copy = plain(cheat)
    assert type(copy) is np.ndarray and copy.dtype == np.float64
    assert not np.shares_memory(copy, cheat)
    got = expect_array("sigmoid", {"kind": "array", "type": "x", "array": cheat}, None)
    assert type(got) is np.ndarray


def test_nan_never_matches(tmp_path):
    source = patched("    return y * (1.0 - y)\n", "    return y * (1.0 - y) * np.nan\n")
    results = grade_source(source, tmp_path, keyword="derivative_sigmoid")
    assert [c.passed for c in results.checks] == [False, False]
    assert "NaN" in texts(results, "derivative_sigmoid")


def test_a_property_is_credited_for_a_working_function(tmp_path):
    results = grade(SUBMISSIONS / "correct" / "tuple_cache.py", out_dir=tmp_path,
                    keyword="shape or scalar or keeps_params")
    assert results.checks and all(c.passed for c in results.checks), [
        (c.name, c.output) for c in results.checks if not c.passed]


# -- 2. finite differences that cannot tell ---------------------------------------------

def test_finite_differences_of_a_constant_cannot_vouch():
    assert uninformative(np.zeros((2, 3)), "forward", "W1") == (
        "your forward does not depend on W1 (its finite differences are all zero)")
    assert "not finite" in uninformative(np.array([np.nan, 1.0]), "loss", "y_pred")
    assert uninformative(np.array([1e-4, -3e-3]), "forward", "W1") is None


def test_forward_ignoring_a_parameter_fails_its_gradient_check(tmp_path):
    # forward never adds b1: its finite differences for b1 are all zero.
    layer = "        outputs.append(sigmoid(outputs[-1] @ params[w_key] + params[b_key]))\n"
    source = patched(layer,
                     "        bias = 0.0 if b_key == 'b1' else params[b_key]\n"
                     "        outputs.append(sigmoid(outputs[-1] @ params[w_key] + bias))\n")
    source = patched("        grads[b_key] = d_a.sum(axis=0, keepdims=True)\n",
                     "        grads[b_key] = d_a.sum(axis=0, keepdims=True) * (b_key != 'b1')\n",
                     source)
    results = grade_source(source, tmp_path, keyword="finite_differences")
    checks = by_name(results)
    db1 = checks["backward: db1 matches finite differences (widths 2-3-5-1)"]
    assert not db1.passed
    assert db1.output.startswith("your forward does not depend on b1 (its finite differences "
                                 "are all zero)") and "fix forward first" in db1.output
    assert checks["backward: dW1 matches finite differences (widths 2-3-5-1)"].passed


# -- 3. diagnoses ------------------------------------------------------------------------

def test_wrong_layers_are_named_exactly():
    only_output_right = wrong_layers_sentence(KEYS[:4], KEYS)
    assert only_output_right.startswith("only the output layer (W3, b3) is right")
    first = wrong_layers_sentence(["W1", "b1"], KEYS)
    assert "only the first layer (W1, b1) is wrong" in first and "output layer" not in first
    bias = wrong_layers_sentence(["b1"], KEYS)
    assert bias == "db1 is wrong, dW1, dW2, db2, dW3, db3 right"
    assert wrong_layers_sentence(KEYS, KEYS) is None
    # Input layer first, whatever order the gradients came in.
    backwards = list(reversed(KEYS))
    assert wrong_layers_sentence(["b3", "b2", "b1"], backwards) == \
        "db1, db2, db3 are wrong, dW1, dW2, dW3 right"


def test_hidden_weight_not_transposed_names_only_the_first_layer(tmp_path):
    results = grade_source(mutant_source(MUTANT["backward_hidden_weight_not_transposed"]),
                           tmp_path, keyword="backward_reference")
    text = texts(results, "backward")
    assert "only the first layer (W1, b1) is wrong" in text
    assert "only the output layer (W3, b3) is right" not in text


def test_bias_averaged_is_not_called_output_layer_only(tmp_path):
    results = grade_source(mutant_source(MUTANT["backward_bias_averaged"]), tmp_path,
                           keyword="backward")
    text = texts(results, "backward")
    assert "averaged over the samples" in text and "db1, db2, db3 are wrong" in text
    assert "only the output layer" not in text
    assert "backward modified" not in text and "judged on your own forward" not in text


def test_params_modified_in_place_is_said_first(tmp_path):
    results = grade_source(mutant_source(MUTANT["backward_updates_params_in_place"]),
                           tmp_path, keyword="backward")
    gradient_failures = [c for c in failures(results, "backward")
                         if "matches" in c.name]
    assert gradient_failures
    for check in gradient_failures:
        assert check.output.startswith("backward modified its params ("), check.output
        assert "compute every gradient first" in check.output  # params, as the contract names it
        assert "delta @ W.T" not in check.output


def test_a_wrong_forward_is_named_in_every_backward_failure(tmp_path):
    results = grade(SUBMISSIONS / "broken" / "forward_without_output_sigmoid",
                    out_dir=tmp_path, keyword="forward or backward")
    value_failures = [c for c in failures(results, "backward") if "matches" in c.name]
    assert len(value_failures) == 8
    for check in value_failures:
        assert check.output.startswith("backward is judged on your own forward, and your "
                                       "forward fails here"), check.output


def test_update_sign_flip_points_at_update(graded):
    results = graded(mutant_source(MUTANT["update_adds_gradient"]))
    assert not failures(results, "backward")
    text = texts(results, "convergence")
    assert text and "update fails its own checks" in text
    assert "gradient checks" not in text and "backward" not in text


def test_backward_sign_flip_points_at_backward_not_update(graded):
    results = graded(mutant_source(MUTANT["backward_sign_flipped"]))
    text = texts(results, "convergence")
    assert "backward fails its own checks" in text and "update" not in text


@pytest.mark.parametrize("right, wrong, said, not_said", [
    ("        grads[w_key] = z_prev.T @ d_a\n", "        grads[w_key] = -(z_prev.T @ d_a)\n",
     "derivative_loss is right, so the sign is lost inside backward",
     "y_pred - y versus y - y_pred"),
    ("    d_a = derivative_loss(y_pred, y) * derivative_sigmoid(y_pred)\n",
     "    d_a = derivative_loss(y, y_pred) * derivative_sigmoid(y_pred)\n",
     "derivative_loss is right, so the sign is lost where backward starts",
     "fix derivative_loss first"),
], ids=["dW only", "every gradient"])
def test_a_sign_lost_with_a_right_derivative_loss_is_blamed_on_backward(
        right, wrong, said, not_said, tmp_path):
    results = grade_source(patched(right, wrong), tmp_path,
                           keyword="backward or derivative_loss")
    text = texts(results, "backward")
    assert said in text and not_said not in text


def test_a_sign_flipped_derivative_loss_is_blamed_on_y_pred_minus_y(tmp_path):
    """The sign costs derivative_loss's checks, which name it; backward, whose chain rule
    is right given that derivative_loss, is not charged again and says why."""
    results = grade_source(mutant_source(MUTANT["derivative_loss_mse_sign_flipped"]),
                           tmp_path, keyword="backward or derivative_loss")
    assert "y_pred - y versus y - y_pred" in texts(results, "derivative_loss")
    gradient_checks = [c for c in results.checks if c.group == "backward" and "matches" in c.name]
    assert len(gradient_checks) == 8
    assert all(c.passed and "right given your own derivative_loss" in c.output
               for c in gradient_checks)


def test_a_factor_2_is_said_in_the_first_line(tmp_path):
    e = np.arange(1.0, 7.0)
    assert error_summary(2 * e, e).startswith("off by a factor 2")
    assert error_summary(0.5 * e, e).startswith("off by a factor 2")
    assert error_summary(1.1 * e, e) == "relative error 0.048"
    source = patched("        grads[w_key] = z_prev.T @ d_a\n",
                     "        grads[w_key] = 2 * z_prev.T @ d_a\n")
    results = grade_source(source, tmp_path, keyword="finite_differences")
    dw3 = by_name(results)["backward: dW3 matches finite differences (widths 2-3-5-1)"]
    first = dw3.output.splitlines()[0]
    assert "off by a factor 2" in first and "relative error 0.33" not in first


def test_a_factor_n_is_not_called_a_factor_2(tmp_path):
    results = grade_source(mutant_source(MUTANT["backward_mean_taken_twice"]), tmp_path,
                           keyword="finite_differences")
    text = texts(results, "backward")
    assert "off by a factor N = 7" in text and "factor 2" not in text


def test_derivative_tanh_applying_tanh_again_is_named(tmp_path):
    source = patched("    return 1.0 - y**2\n", "    return 1.0 - np.tanh(y) ** 2\n")
    results = grade_source(source, tmp_path, keyword="tanh")
    assert "derivative_tanh applies tanh again" in texts(results, "tanh")
    other = patched("    return 1.0 - y**2\n", "    return 2.0 * (1.0 - y**2)\n")
    results = grade_source(other, tmp_path / "other", keyword="tanh")
    assert "applies tanh again" not in texts(results, "tanh")
    assert "off by a factor 2" in texts(results, "tanh")
    assert grade_source(solution_source(), tmp_path / "right", keyword="tanh").checks[0].passed


# -- 4. penalties in proportion ----------------------------------------------------------

def test_a_wrong_title_costs_only_the_title_check(tmp_path):
    source = patched('    panels = (("Ground truth", y), ("Predict result", pred_y))\n',
                     '    panels = (("Ground truth", y), ("Prediction", pred_y))\n')
    results = grade_source(source, tmp_path, keyword="check_result")
    failed = [c.name for c in results.checks if not c.passed]
    assert failed == ["show_result: the panels are titled Ground truth and Predict result"]
    assert results.score == 9


@pytest.mark.parametrize("declared", ["MSE", " mse ", "Bce", "BCE "])
def test_loss_names_ignore_case_and_spaces(declared, tmp_path):
    source = patched('LOSS = "mse"', f'LOSS = "{declared}"')
    results = grade_source(source, tmp_path, keyword="loss or backward")
    assert all(c.passed for c in results.checks), [c.output for c in results.checks
                                                   if not c.passed]


def test_code_reading_loss_literally_is_told_how_it_is_read(tmp_path):
    source = patched('LOSS = "mse"', 'LOSS = "BCE"').replace(
        "LOSS.strip().lower() == \"bce\"", "LOSS == \"bce\"")
    results = grade_source(source, tmp_path, keyword="check_loss_values")
    assert "LOSS is 'BCE', read as 'bce'" in results.checks[0].output
    right = grade_source(solution_source(), tmp_path / "right", keyword="check_loss_values")
    assert right.checks[0].passed


def test_an_unknown_loss_name_still_fails_with_a_message(tmp_path):
    source = patched('LOSS = "mse"', 'LOSS = "mae"')
    results = grade_source(source, tmp_path, keyword="check_loss_values")
    assert "LOSS is 'mae'; it must be \"mse\" or \"bce\"" in results.checks[0].output


def test_printing_at_import_costs_only_its_own_check(tmp_path):
    source = solution_source() + '\nprint("numpy", np.__version__)\n'
    results = grade_source(source, tmp_path)
    quiet = by_name(results)["rules: importing backprop.py trains nothing and prints nothing"]
    assert not quiet.passed and "importing backprop.py prints" in quiet.output
    assert not results.broken_rules
    assert results.core == 100 - quiet.max_score and quiet.max_score == 2


# -- 5. the import rule on notebooks, cell by cell ---------------------------------------

def test_a_broken_cell_does_not_hide_a_forbidden_import(tmp_path):
    cells = [*function_cells(solution_source()), "import torch", "def broken(:\n    pass"]
    results = grade(write(tmp_path / "student", notebook(*cells)), out_dir=tmp_path / "out")
    assert results.broken_rules and results.score == 0
    assert "torch (a deep-learning or autodiff framework) in In [" in \
        results.broken_rules[0].output


def test_a_broken_cell_alone_breaks_no_rule(tmp_path):
    cells = [*function_cells(solution_source()), "def broken(:\n    pass"]
    results = grade(write(tmp_path / "student", notebook(*cells)), out_dir=tmp_path / "out",
                    keyword="rules")
    assert not results.broken_rules


def test_text_that_does_not_parse_is_scanned_line_by_line():
    found = forbidden_imports("def f(:\n    import torch\ntry: import jax as j, os\n"
                              "x = importlib.import_module('tensorflow')\nimport numpy\n")
    assert found == [("torch", 2), ("jax", 3), ("tensorflow", 4)]
    assert forbidden_imports("def f(:\n    pass  # note: import torch is not allowed\n") == []


# -- 6. a file that does not import ------------------------------------------------------

def test_a_syntax_error_gets_one_banner_and_no_ok_rules(graded):
    folder = SUBMISSIONS / "broken" / "syntax_error"
    results = graded(folder)
    text = reports.table(results)
    banner, rows = text.split("   points", 1)
    assert f'File "{folder / "backprop.py"}", line 30' in banner
    assert banner.count("^") == 1 and "grading-" not in text
    assert text.count("SyntaxError: '(' was never closed") == 2  # the banner's two lines
    assert results.score == 0
    assert all(c.output.startswith("not run: backprop.py does not import")
               for c in results.checks if c.group != "rules")
    for row in rows.splitlines():
        if " rules: " in row:
            assert not row.rstrip().endswith("  ok"), row


# -- 7. feedback in the terminal ---------------------------------------------------------

def test_failing_checks_show_their_reason_and_diagnosis_in_full(tmp_path):
    results = grade_source(mutant_source(MUTANT["backward_bias_averaged"]), tmp_path,
                           keyword="backward")
    text = reports.table(results)
    details = text.split("What to fix", 1)[1]
    db1 = by_name(results)["backward: db1 matches finite differences (widths 2-3-5-1)"]
    diagnosis = sentences_in(db1.output)[0]
    assert diagnosis.startswith("Diagnosis: db1 is averaged over the samples")
    assert " ".join(details.split()).count(" ".join(diagnosis.split())) >= 1
    assert all(len(line) <= reports.DETAIL_WIDTH for line in details.splitlines())


def test_tracebacks_name_the_students_own_file(tmp_path):
    folder = SUBMISSIONS / "broken" / "raises_value_error"
    results = grade(folder, out_dir=tmp_path, keyword="check_loss_values")
    output = results.checks[0].output
    assert f'File "{folder / "backprop.py"}"' in output and "grading-" not in output


def test_a_wrong_loss_costs_the_loss_checks_not_a_right_derivative(tmp_path):
    """Labels flattened in loss: (N, 1) - (N,) broadcasts to N x N. derivative_loss is
    right, so its finite-difference check is judged on the declared LOSS's formula."""
    right = "    return float(np.mean((y_pred - y) ** 2))\n"
    source = solution_source().replace(right, right.replace("- y)", "- y.ravel())"), 1)
    assert source != solution_source()
    checks = by_name(grade_source(source, tmp_path, keyword="loss"))
    assert not checks["loss: matches the formula of the declared LOSS"].passed
    assert checks["derivative_loss: matches finite differences of your loss"].passed
    assert checks["derivative_loss: matches the formula of the declared LOSS, shape (N, 1)"].passed
    # Both wrong: judged on the formula, and the message says the loss is wrong too.
    wrong = source.replace("    return 2.0 * (y_pred - y) / n\n",
                           "    return (y_pred - y) / n\n", 1)
    assert wrong != source
    failed = by_name(grade_source(wrong, tmp_path / "both", keyword="derivative_loss"))[
        "derivative_loss: matches finite differences of your loss"]
    assert not failed.passed and "your loss is wrong" in failed.messages[0]
    assert "Diagnosis: derivative_loss is off by a factor" in failed.messages[0]


def test_the_terminal_shows_what_was_printed_and_where_a_call_raised(tmp_path):
    printing = 'print("hello from import")\n' + solution_source()
    text = reports.table(grade_source(printing, tmp_path / "printing", keyword="rules"))
    details = text.split("What to fix", 1)[1].splitlines()
    start = details.index("    importing backprop.py prints:")
    assert details[start + 1] == "      hello from import"  # what it printed, not just ":"
    assert details[start + 2].startswith("    Remove top-level prints")
    lower = solution_source().replace("@ params[w_key]", "@ params[w_key.lower()]", 1)
    assert lower != solution_source()
    results = grade_source(lower, tmp_path / "lower", keyword="forward or backward")
    details = reports.table(results).split("What to fix", 1)[1]
    line = next(number for number, text in enumerate(lower.splitlines(), 1)
                if "params[w_key.lower()]" in text)
    assert details.count("forward raised KeyError: 'w1'") == 1  # told once for all checks
    assert f"at backprop.py line {line}, in forward:" in details
    failing = [c for c in results.checks if not c.passed]
    assert len(failing) > reports.FOLDED_NAMES
    assert f"and {len(failing) - reports.FOLDED_NAMES + 1} more checks failing" in details


def test_a_long_printed_list_is_cut_with_a_count():
    output = "importing backprop.py prints:\n" + "".join(f"  epoch {i}\n" for i in range(9)) \
        + "Remove top-level prints"
    shown = reports.reason_lines(output)
    assert shown[:5] == ["importing backprop.py prints:", "  epoch 0", "  epoch 1",
                         "  epoch 2", "  epoch 3"]
    assert shown[5:] == ["  ... (5 more lines in feedback.md)", "Remove top-level prints"]


def test_a_forward_in_float32_is_named_where_finite_differences_fail(tmp_path):
    """Single precision swamps a 1e-6 step: the failure says so, instead of only a
    relative error that points nowhere."""
    exact = "    return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))\n"
    source = solution_source().replace(exact, exact.replace(
        "return np.exp(", "return np.float32(1.0) * np.exp(").replace(
        "dtype=float", "dtype=np.float32"), 1)
    assert source != solution_source()
    checks = by_name(grade_source(source, tmp_path, keyword="finite_differences"))
    failed = [c for name, c in checks.items() if "finite differences" in name and not c.passed]
    assert failed and all("your forward returns a numpy array of float32" in c.output
                          for c in failed)
    exact_checks = by_name(grade_source(solution_source(), tmp_path / "exact",
                                        keyword="finite_differences"))
    assert all("float32" not in c.output for c in exact_checks.values())


PRE_ACTIVATION_BACKWARD = '''def backward(y, cache, params):
    x, z1, z2, y_pred = cache
    a1 = x @ params["W1"] + params["b1"]
    a2 = z1 @ params["W2"] + params["b2"]
    a3 = z2 @ params["W3"] + params["b3"]
    d3 = derivative_loss(y_pred, y) * derivative_sigmoid(a3)
    d2 = (d3 @ params["W3"].T) * derivative_sigmoid(a2)
    d1 = (d2 @ params["W2"].T) * derivative_sigmoid(a1)
    return {"W3": z2.T @ d3, "b3": d3.sum(0, keepdims=True),
            "W2": z1.T @ d2, "b2": d2.sum(0, keepdims=True),
            "W1": x.T @ d1, "b1": d1.sum(0, keepdims=True)}


'''


def test_a_training_that_breaks_down_names_the_function_failing_its_checks(tmp_path):
    """backward applying the derivative to the pre-activations drives update's output to
    NaN: the convergence message names backward, whose checks fail, not only update."""
    source = solution_source()
    start, end = source.index("def backward("), source.index("def update(")
    source = source[:start] + PRE_ACTIVATION_BACKWARD + source[end:]
    results = grade_source(source, tmp_path, keyword="backward or convergence")
    broken = [c for c in results.checks if c.group == "convergence" and not c.passed]
    assert any("during training" in c.output or "NaN" in c.output for c in broken)
    assert broken and all("backward fails its own checks" in c.output for c in broken)


@pytest.mark.parametrize("change, hint", [
    (("@ params[w_key]", "@ params[w_key.lower()]"),
     "Hint: params and grads use the keys W1, b1, W2, b2, W3, b3"),
    (("def forward(x, params):", "def forward(x, w1, w2, w3):"),
     "Hint: the contract's signature is forward(x, params)"),
])
def test_a_misspelled_key_or_signature_gets_the_contracts_own(change, hint, tmp_path):
    source = solution_source().replace(*change, 1)
    assert source != solution_source()
    forward = [c for c in grade_source(source, tmp_path, keyword="forward").checks
               if c.group == "forward"]
    assert forward and all(hint in c.output for c in forward if not c.passed)
    assert not any(c.passed for c in forward)


def test_modified_arguments_get_the_contracts_names():
    from grader.session.answers import argument_names

    assert argument_names("backward", ["argument 3 (W1, b1)", "argument 1"]) == [
        "params (W1, b1)", "y"]
    assert argument_names("forward", ["argument 9", "something else"]) == [
        "argument 9", "something else"]  # nothing to name it by: said as it came


@pytest.mark.parametrize("name, lr_check_passes", [("update_weights_only", True),
                                                   ("update_adds_gradient", True),
                                                   ("update_ignores_lr", False)])
def test_an_update_wrong_otherwise_is_not_charged_again_for_the_learning_rate(
        tmp_path, name, lr_check_passes):
    results = grade_source(mutant_source(MUTANT[name]), tmp_path, keyword="update")
    checks = by_name(results)
    assert not checks["update: returns params - lr * grads for every key"].passed
    assert checks["update: uses the learning rate it is given"].passed is lr_check_passes


def test_an_update_that_moves_nothing_does_not_use_the_learning_rate(tmp_path):
    source = solution_source().replace(
        "    return {key: params[key] - lr * grads[key] for key in params}\n",
        "    return {key: params[key].copy() for key in params}\n", 1)
    checks = by_name(grade_source(source, tmp_path, keyword="update"))
    assert not checks["update: uses the learning rate it is given"].passed
    assert "changes no parameter" in checks["update: uses the learning rate it is given"].output

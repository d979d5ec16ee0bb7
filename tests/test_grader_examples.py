"""The grader on the example library (tests/submissions/): right in both directions.

- every correct but differently written implementation keeps 100/100;
- every mutant (one realistic bug) loses points in the checks of the function it
  breaks, with the diagnosis its pattern calls for, and scores below 100;
- every broken submission gets a full report with the expected messages.
"""

import re
from pathlib import Path

import pytest

from tests.grading import by_name
from tests.submissions.mutants import DIAGNOSES, MUTANTS, mutant_source

SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.py"))

# The words of the grader's feedback that name each diagnosis of the library.
DIAGNOSIS_PATTERNS = {
    "sign_flipped": r"wrong sign|adds the step",
    "factor_n": r"factor N = \d+",
    "factor_2": r"factor 2",
    "transposed": r"transposed",
    "only_last_layer_right": r"only the output layer \(W3, b3\) is right",
    "output_sigmoid_derivative_missing": r"miss(es)? the output sigmoid's derivative",
    "bias_not_summed": r"averaged over the samples|one row per sample",
    "params_modified": r"backward modified its",
    "pre_activation": r"pre-activation|applies the sigmoid again",
}


def test_every_diagnosis_of_the_library_has_a_pattern():
    assert set(DIAGNOSIS_PATTERNS) == set(DIAGNOSES)


@pytest.mark.parametrize("path", CORRECT, ids=lambda path: path.stem)
def test_correct_variants_keep_full_marks(path, graded):
    results = graded(path)
    assert [(c.name, c.output) for c in results.checks if not c.passed] == []
    assert results.core == 100


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda mutant: mutant.name)
def test_each_bug_loses_points_where_it_belongs(mutant, graded):
    results = graded(mutant_source(mutant))
    assert results.core < 100
    own_failures = [c for c in results.checks if c.group == mutant.breaks and not c.passed]
    assert own_failures, f"no {mutant.breaks} check failed"
    assert not any(c.internal_error for c in results.checks)
    if mutant.diagnosis:
        pattern = DIAGNOSIS_PATTERNS[mutant.diagnosis]
        texts = "\n".join(c.output for c in own_failures)
        assert re.search(pattern, texts), texts


NOT_RUN = "not run: backprop.py does not import"


def line_of(example, start):
    """The number of the first line of broken/<example>/backprop.py starting with start."""
    lines = (SUBMISSIONS / "broken" / example / "backprop.py").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(start))

# The endless loop is graded with this timeout (seconds), not waited out for the default.
LOOP_TIMEOUT = 3.0

# name -> (expected total, {check group: text one of its failures must contain, or a tuple
# of such texts})
BROKEN = {
    "empty": (0, {"sigmoid": "sigmoid is missing", "show_result": "show_result is missing"}),
    "syntax_error": (0, {"import": "could not be imported: SyntaxError: '(' was never closed",
                         "forward": NOT_RUN}),
    "import_error": (0, {"rules": "lab_helpers (not allowed)",
                         "sigmoid": NOT_RUN}),
    # An exception at import is graded like the endless loop: from the definitions.
    "exits_at_import": (98, {"rules": (
        f"importing it raised SystemExit (0) on line {line_of('exits_at_import', 'sys.exit')}",
        f"line {line_of('exits_at_import', 'sys.exit')}: sys.exit(0)",
        'under `if __name__ == "__main__":`')}),
    "input_at_import": (98, {"rules": (
        "importing it raised EOFError (EOF when reading a line) on line "
        f"{line_of('input_at_import', 'epochs = ')}",
        f"line {line_of('input_at_import', 'x = ')}: x = np.random")}),
    "reads_missing_data_file": (98, {"rules": (
        "raised FileNotFoundError ([Errno 2] No such file or directory: 'data.txt') on line "
        f"{line_of('reads_missing_data_file', 'with open')}",)}),
    "raises_at_end_of_file": (98, {"rules": (
        "raised RuntimeError (stop here: check the plots first) on line "
        f"{line_of('raises_at_end_of_file', 'raise RuntimeError')}",)}),
    "shows_plot_at_import": (98, {"rules": "importing backprop.py draws 1 figure and calls "
                                           "show() once: a window opens"}),
    # The definitions themselves fail: said as for any file that does not import.
    "name_error_in_default": (0, {"import": "could not be imported: NameError: name "
                                            "'LEARNING_RATE' is not defined",
                                  "sigmoid": NOT_RUN}),
    "half_defined": (26, {"forward": "forward is missing", "update": "update is missing"}),
    "infinite_loop_forward": (46, {"forward": f"did not finish within {LOOP_TIMEOUT:g} s",
                                   "backward": "(not run again)",
                                   "convergence": "(not run again)"}),
    "raises_value_error": (91, {"loss": "loss raised ValueError: labels must be a vector"}),
    "raises_system_exit": (46, {"forward": "forward raised SystemExit: stopping here"}),
    "raises_keyboard_interrupt": (58, {"backward": "backward raised KeyboardInterrupt"}),
    "returns_none": (0, {"sigmoid": "returned None", "forward": "forward must return (y_pred, "
                         "cache); it returned None", "show_result": "returned None and drew no",
                         "convergence": "during training, forward returned a NoneType"}),
    "returns_strings": (0, {"loss": "returned a str ('TODO: loss')",
                            "update": "update returned a str"}),
    "returns_tuples": (0, {"sigmoid": "returned a tuple of shape (2, 41, 1)",
                           "forward": "it returned a tuple of 3 items"}),
    "wrong_shapes": (0, {"forward": "returned a numpy array of float64 of shape (1, 7) as "
                                       "y_pred; expected shape (7, 1)"}),
    "returns_nan": (0, {"sigmoid": "NaN", "forward": "NaN or infinite values in y_pred",
                        "loss": ("loss returned nan for N = 1",
                                 "checked once loss returns correct values"),
                        "show_result": "checked once show_result returns correct values",
                        "show_learning_curve": "checked once show_learning_curve returns"}),
    "all_zeros": (0, {
        "sigmoid": "checked once sigmoid returns correct values",
        "loss": "checked once loss returns correct values",
        # Its loss is wrong, so derivative_loss is judged on the declared LOSS's formula.
        "derivative_loss": ("finite differences of the declared LOSS",
                            "derivative_loss returns zeros: is it still a placeholder?"),
        "backward": ("your forward does not depend on W1 (its finite differences are all "
                     "zero), so this check cannot vouch for dW1: fix forward first",
                     "checked once backward returns correct values"),
        "rules": "checked once a graded function returns correct values"}),
    "always_equal_array": (0, {
        "sigmoid": ("sigmoid gives wrong values (all zeros where the right values are not)",
                    "checked once sigmoid returns correct values"),
        "loss": "checked once loss returns correct values",
        "backward": ("your forward does not depend on b3 (its finite differences are all "
                     "zero)", "checked once backward returns correct values")}),
    "forward_without_output_sigmoid": (50, {  # convergence is judged by the grader's forward
        "forward": "y_pred is the output layer's pre-activation a3",
        "backward": ("backward is judged on your own forward, and your forward fails here",
                     "checked once backward returns correct values")}),
    "prints_flood_at_import": (98, {"rules": "importing backprop.py prints"}),
    "trains_at_import": (98, {"rules": "importing backprop.py calls forward"}),
    "forbidden_import_torch": (0, {"rules": "torch (a deep-learning or autodiff framework)"}),
    "forbidden_importlib_tensorflow": (0, {"rules": "tensorflow (a deep-learning or autodiff"}),
}
# The rules whose breaking zeroes the total (a quiet import costs its own points only).
ZEROING = {"import_error", "forbidden_import_torch", "forbidden_importlib_tensorflow"}


def test_every_broken_example_has_expectations():
    folders = {path.name for path in (SUBMISSIONS / "broken").iterdir() if path.is_dir()}
    assert folders == set(BROKEN)


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_submissions_get_a_full_report(name, graded):
    total, messages = BROKEN[name]
    options = {"timeout": LOOP_TIMEOUT} if name == "infinite_loop_forward" else {}
    results = graded(SUBMISSIONS / "broken" / name, **options)
    core = [c for c in results.checks if c.max_score or c.group == "rules"]
    assert len(core) == 40 and len(by_name(results)) == len(results.checks)  # each reported
    assert not any(c.internal_error for c in results.checks)
    if total is not None:
        assert results.score == total
    else:
        assert 0 < results.score < 100
    for group, texts in messages.items():
        # "import": the banner above the table of a file that does not import.
        outputs = [results.import_error] if group == "import" else [
            c.output for c in results.checks if c.group == group and not c.passed]
        for text in (texts,) if isinstance(texts, str) else texts:
            assert any(text in output for output in outputs), (group, text, outputs)
    assert bool(results.broken_rules) == (name in ZEROING)
    if name in ZEROING:
        assert results.score == 0

"""Tests of the example-submission library in tests/submissions/.

The harness here is independent of the grader on purpose: it calls one contract function of
a module on fixed inputs and compares the result with the reference solution's, or, for the
two figures, inspects what was drawn. Every mutant must fail the check of the function it
claims to break, and every correct example must pass every check.
"""

import ast
import copy
import importlib.util
import itertools
import sys
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

matplotlib.use("Agg")

SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
CORRECT = sorted((SUBMISSIONS / "correct").glob("*.py"))
BROKEN = sorted(path for path in (SUBMISSIONS / "broken").iterdir() if path.is_dir())

_module_numbers = itertools.count()


def import_path(path):
    """Execute the file at `path` as a fresh module under a unique name and return it."""
    name = f"submission_library_{next(_module_numbers)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def import_source(source, directory):
    """Write `source` to a new file in `directory` and import it."""
    path = directory / f"module_{next(_module_numbers)}.py"
    path.write_text(source, encoding="utf-8")
    return import_path(path)


# Loaded by path so that this works whether or not tests/ is a package.
library = import_path(SUBMISSIONS / "mutants.py")
SOLUTION_TEXT = library.SOLUTION_PATH.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# Fixed inputs
# ---------------------------------------------------------------------------

def make_params(widths, seed):
    """Params for layer widths (2, h1, h2, 1) with N(0, 1) weights AND biases.

    Non-zero biases, unlike init_params, so that a forgotten bias shows.
    """
    rng = np.random.default_rng(seed)
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True), start=1):
        params[f"W{layer}"] = rng.normal(0.0, 1.0, (fan_in, fan_out))
        params[f"b{layer}"] = rng.normal(0.0, 1.0, (1, fan_out))
    return params


_rng = np.random.default_rng(7)
# Extremes included: a plain sigmoid overflows there yet is right within tolerance.
SIGMOID_IN = np.append(np.linspace(-30.0, 30.0, 22), [-800.0, 800.0]).reshape(4, 6)
SIGMOID_OUT = np.linspace(0.01, 0.99, 24).reshape(4, 6)
N = 8
X = _rng.uniform(0.0, 1.0, (N, 2))
Y = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0], [0.0], [1.0]])
Y_PRED = _rng.uniform(0.01, 0.99, (N, 1))
# h1 != h2 exposes a transposed hidden weight; 4-4 is the lab's default.
WIDTHS = ((2, 3, 5, 1), (2, 4, 4, 1))
PARAMS = make_params(WIDTHS[0], seed=1)
GRADS = make_params(WIDTHS[0], seed=2)
LR = 0.3

# show_result inputs: predictions asymmetric about 0.5 (a colour threshold at the midpoint
# of their range is not 0.5) and wrong on points 6 and 7 (they differ from the labels).
SHOW_X = np.array([[0.1, 0.2], [0.3, 0.9], [0.5, 0.4], [0.7, 0.8], [0.9, 0.1],
                   [0.2, 0.6], [0.4, 0.3], [0.6, 0.7], [0.8, 0.5], [0.15, 0.95]])
SHOW_Y = np.array([[0.0], [1.0]] * 5)
SHOW_PRED = np.array([[0.30], [0.60], [0.45], [0.99], [0.35],
                      [0.95], [0.62], [0.40], [0.32], [0.97]])
LOSSES = 0.7 * np.exp(-np.arange(250) / 60.0) + 0.01


# ---------------------------------------------------------------------------
# Checks: each returns None when the module's function passes, else what is wrong
# ---------------------------------------------------------------------------

def value_mismatch(got, expected):
    """None if `got` equals `expected` within float64 tolerance, else how it differs."""
    got = np.asarray(got, dtype=float)
    expected = np.asarray(expected, dtype=float)
    if got.shape != expected.shape:
        return f"shape {got.shape}, expected {expected.shape}"
    # Relative error with a floor, so tiny values compare absolutely.
    error = np.abs(got - expected) / np.maximum(np.abs(got) + np.abs(expected), 1e-8)
    if not np.all(error <= 1e-6):  # NaN fails too
        return f"values differ, relative error up to {np.max(np.nan_to_num(error, nan=np.inf)):.3g}"
    return None


def check_sigmoid(module, reference):
    """sigmoid on an array of pre-activations."""
    return value_mismatch(module.sigmoid(SIGMOID_IN.copy()), reference.sigmoid(SIGMOID_IN))


def check_derivative_sigmoid(module, reference):
    """derivative_sigmoid on an array of sigmoid outputs."""
    got = module.derivative_sigmoid(SIGMOID_OUT.copy())
    return value_mismatch(got, reference.derivative_sigmoid(SIGMOID_OUT))


def check_loss(module, reference):
    """loss on predictions in [0.01, 0.99]."""
    return value_mismatch(module.loss(Y_PRED.copy(), Y.copy()), reference.loss(Y_PRED, Y))


def check_derivative_loss(module, reference):
    """derivative_loss on predictions in [0.01, 0.99]."""
    got = module.derivative_loss(Y_PRED.copy(), Y.copy())
    return value_mismatch(got, reference.derivative_loss(Y_PRED, Y))


def check_forward(module, reference):
    """y_pred of forward, for every width in WIDTHS."""
    for widths in WIDTHS:
        params = make_params(widths, seed=3)
        y_pred, _ = module.forward(X.copy(), copy.deepcopy(params))
        problem = value_mismatch(y_pred, reference.forward(X, params)[0])
        if problem:
            return f"widths {widths}: {problem}"
    return None


def check_backward(module, reference):
    """Gradients of backward on the module's own forward cache, params left untouched."""
    for widths in WIDTHS:
        params = make_params(widths, seed=3)
        expected = reference.backward(Y, reference.forward(X, params)[1], params)
        own = copy.deepcopy(params)
        _, cache = module.forward(X.copy(), own)
        grads = module.backward(Y.copy(), cache, own)
        if any(not np.array_equal(own[key], params[key]) for key in params):
            return f"widths {widths}: params modified"
        for key in params:
            problem = value_mismatch(grads[key], expected[key])
            if problem:
                return f"widths {widths}, grads[{key!r}]: {problem}"
    return None


def check_update(module, reference):
    """The dict update returns."""
    expected = reference.update(copy.deepcopy(PARAMS), GRADS, LR)
    new = module.update(copy.deepcopy(PARAMS), copy.deepcopy(GRADS), LR)
    if set(new) != set(PARAMS):
        return f"keys {sorted(new)}, expected {sorted(PARAMS)}"
    for key in PARAMS:
        problem = value_mismatch(new[key], expected[key])
        if problem:
            return f"[{key!r}]: {problem}"
    return None


def drawn_figure(function, *args):
    """The figure `function` returned, or the current one when it returned None.

    Raises:
        TypeError: it returned anything else (a tuple from plt.subplots(), an Axes, ...).
    """
    result = function(*args)
    if result is None:
        return plt.gcf()
    if not isinstance(result, Figure):
        raise TypeError(f"returned {type(result).__name__}, not a Figure or None")
    return result


def drawn_points(ax):
    """(xy (M, 2), rgba (M, 4)) of the points drawn on `ax` by scatter or plot markers."""
    xys, colours = [], []
    for collection in ax.collections:
        if not isinstance(collection, PathCollection):  # a colorbar's mesh holds no points
            continue
        offsets = np.asarray(collection.get_offsets(), dtype=float).reshape(-1, 2)
        if len(offsets):
            collection.update_scalarmappable()  # maps a colour-mapped `c` to colours
            faces = collection.get_facecolors()
            xys.append(offsets)
            colours.append(np.broadcast_to(faces, (len(offsets), 4)))
    for line in ax.lines:
        if line.get_marker() not in (None, "", " ", "None"):
            xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)
            xys.append(xy)
            colours.append(np.tile(to_rgba(line.get_markerfacecolor()), (len(xy), 1)))
    if not xys:
        return np.empty((0, 2)), np.empty((0, 4))
    return np.concatenate(xys), np.concatenate(colours)


def check_show_result(module, reference):
    """Two titled panels, every sample once in each, classes in two consistent colours."""
    figure = drawn_figure(module.show_result, SHOW_X.copy(), SHOW_Y.copy(), SHOW_PRED.copy())
    panels = [ax for ax in figure.axes if len(drawn_points(ax)[0])]
    if len(panels) != 2:
        return f"{len(panels)} axes hold points, expected 2"
    titles = [ax.get_title().strip().lower() for ax in panels]
    if sorted(titles) != ["ground truth", "predict result"]:
        return f"titles {titles}"
    class_colours = {}
    for ax, title in zip(panels, titles, strict=True):
        labels = SHOW_Y if title == "ground truth" else SHOW_PRED
        xy, rgba = drawn_points(ax)
        same = np.all(np.isclose(SHOW_X[:, None, :], xy[None, :, :]), axis=2)
        if len(xy) != len(SHOW_X) or not np.all(same.sum(axis=1) == 1):
            return f"{title!r} does not show each sample once at (x1, x2)"
        colours = [tuple(np.round(rgba[j], 3)) for j in same.argmax(axis=1)]
        classes = labels[:, 0] >= 0.5
        per_class = [{colours[i] for i in np.flatnonzero(classes == cls)} for cls in (False, True)]
        if any(len(found) != 1 for found in per_class) or per_class[0] == per_class[1]:
            return f"{title!r} does not colour the two classes apart"
        class_colours[title] = per_class
    if class_colours["ground truth"] != class_colours["predict result"]:
        return "the panels colour the same class differently"
    return None


def check_show_learning_curve(module, reference):
    """One line of all the losses, in order, against epochs 0.. or 1.., axes labelled."""
    figure = drawn_figure(module.show_learning_curve, list(LOSSES))
    for ax in figure.axes:
        for line in ax.lines:
            xs = np.asarray(line.get_xdata(), dtype=float)
            ys = np.asarray(line.get_ydata(), dtype=float)
            if ys.shape == LOSSES.shape and np.allclose(ys, LOSSES):
                epochs = np.arange(len(LOSSES))
                if not (np.array_equal(xs, epochs) or np.array_equal(xs, epochs + 1)):
                    return "losses not plotted against epoch numbers"
                if "epoch" not in ax.get_xlabel().lower() or "loss" not in ax.get_ylabel().lower():
                    return f"axis labels {ax.get_xlabel()!r}, {ax.get_ylabel()!r}"
                return None
    return "no line plots all the losses in order"


CHECKS = {
    "sigmoid": check_sigmoid,
    "derivative_sigmoid": check_derivative_sigmoid,
    "loss": check_loss,
    "derivative_loss": check_derivative_loss,
    "forward": check_forward,
    "backward": check_backward,
    "update": check_update,
    "show_result": check_show_result,
    "show_learning_curve": check_show_learning_curve,
}


def mismatch(module, reference, name):
    """Why `module`'s function `name` fails its check against `reference`; None if it passes."""
    plt.close("all")
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a plain sigmoid's overflow warning is allowed
            return CHECKS[name](module, reference)
    except Exception as error:  # a crash fails the check like a wrong value
        return f"raised {type(error).__name__}: {error}"
    finally:
        plt.close("all")


# ---------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """The reference solution as a module, by declared LOSS."""
    directory = tmp_path_factory.mktemp("references")
    return {loss: import_source(library.solution_source(loss), directory)
            for loss in ("mse", "bce")}


@pytest.fixture(scope="module")
def correct_modules():
    """Each correct example imported once, by path."""
    return {path.name: import_path(path) for path in CORRECT}


def reference_for(module, references):
    """The reference declaring the same loss as `module`."""
    return references[getattr(module, "LOSS", "mse")]


# ---------------------------------------------------------------------------
# The mutants
# ---------------------------------------------------------------------------

by_name = pytest.mark.parametrize("mutant", library.MUTANTS, ids=lambda m: m.name)


def test_library_is_large_enough_and_names_are_unique():
    names = [mutant.name for mutant in library.MUTANTS]
    assert len(names) >= 24
    assert len(set(names)) == len(names)
    assert len(CORRECT) >= 7


@by_name
def test_mutant_fields_are_valid(mutant):
    assert mutant.breaks in library.GRADED
    assert mutant.name.startswith(mutant.breaks + "_")
    assert mutant.diagnosis is None or mutant.diagnosis in library.DIAGNOSES
    assert mutant.loss in ("mse", "bce")
    assert mutant.description


@by_name
def test_patch_lies_in_the_solution_region_of_its_function(mutant):
    assert SOLUTION_TEXT.count(mutant.find) == 1
    start = SOLUTION_TEXT.index(mutant.find)
    first = SOLUTION_TEXT.count("\n", 0, start) + 1
    last = SOLUTION_TEXT.count("\n", 0, start + len(mutant.find.rstrip("\n"))) + 1
    function = next(node for node in ast.parse(SOLUTION_TEXT).body
                    if isinstance(node, ast.FunctionDef) and node.name == mutant.breaks)
    lines = SOLUTION_TEXT.splitlines()
    begin = next(number for number in range(function.lineno, function.end_lineno + 1)
                 if "# BEGIN SOLUTION" in lines[number - 1])
    # The END marker follows the last statement, so it lies past the function's end_lineno.
    end = next(number for number in range(begin, len(lines) + 1)
               if "# END SOLUTION" in lines[number - 1])
    assert begin < first <= last < end


@by_name
def test_mutant_compiles(mutant):
    compile(library.mutant_source(mutant), f"{mutant.name}.py", "exec")


@by_name
def test_mutant_breaks_its_function(mutant, references, tmp_path):
    module = import_source(library.mutant_source(mutant), tmp_path)
    assert module.LOSS == mutant.loss
    assert mismatch(module, references[mutant.loss], mutant.breaks) is not None


def value_result(module, name):
    """A value function's result on the fixed inputs, flattened; for update, the step taken."""
    if name == "sigmoid":
        return np.ravel(module.sigmoid(SIGMOID_IN.copy()))
    if name == "derivative_sigmoid":
        return np.ravel(module.derivative_sigmoid(SIGMOID_OUT.copy()))
    if name == "loss":
        return np.ravel(module.loss(Y_PRED.copy(), Y.copy()))
    if name == "derivative_loss":
        return np.ravel(module.derivative_loss(Y_PRED.copy(), Y.copy()))
    if name == "backward":
        params = make_params(WIDTHS[0], seed=3)
        grads = module.backward(Y.copy(), module.forward(X.copy(), params)[1], params)
        return np.concatenate([np.ravel(grads[key]) for key in sorted(params)])
    new = module.update(copy.deepcopy(PARAMS), GRADS, LR)
    return np.concatenate([np.ravel(new[key] - PARAMS[key]) for key in sorted(PARAMS)])


# The factors by which a result with these diagnoses differs from the right one.
FACTORS = {"sign_flipped": (-1.0,), "factor_2": (2.0, 0.5), "factor_n": (N, 1.0 / N)}


@pytest.mark.parametrize(
    "mutant",
    [m for m in library.MUTANTS if m.diagnosis in FACTORS],
    ids=lambda m: m.name,
)
def test_scaling_diagnosis_is_the_actual_factor(mutant, references, tmp_path):
    module = import_source(library.mutant_source(mutant), tmp_path)
    got = value_result(module, mutant.breaks)
    expected = value_result(references[mutant.loss], mutant.breaks)
    assert any(np.allclose(got, factor * expected) for factor in FACTORS[mutant.diagnosis])


# For these diagnoses, the gradient keys that are right (True) or wrong (False).
GRADIENT_PATTERNS = {
    "only_last_layer_right": {"W1": False, "b1": False, "W2": False, "b2": False,
                              "W3": True, "b3": True},
    "bias_not_summed": {"W1": True, "b1": False, "W2": True, "b2": False,
                        "W3": True, "b3": False},
    "output_sigmoid_derivative_missing": dict.fromkeys(PARAMS, False),
}


@pytest.mark.parametrize(
    "mutant",
    [m for m in library.MUTANTS if m.diagnosis in GRADIENT_PATTERNS or
     m.diagnosis == "params_modified"],
    ids=lambda m: m.name,
)
def test_backward_diagnosis_matches_the_gradients(mutant, references, tmp_path):
    module = import_source(library.mutant_source(mutant), tmp_path)
    reference = references[mutant.loss]
    params = make_params(WIDTHS[0], seed=3)
    expected = reference.backward(Y, reference.forward(X, params)[1], params)
    own = copy.deepcopy(params)
    grads = module.backward(Y.copy(), module.forward(X.copy(), own)[1], own)
    if mutant.diagnosis == "params_modified":
        assert any(not np.array_equal(own[key], params[key]) for key in params)
    else:
        right = {key: value_mismatch(grads[key], expected[key]) is None for key in params}
        assert right == GRADIENT_PATTERNS[mutant.diagnosis]


# ---------------------------------------------------------------------------
# The reference and the correct examples
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("loss", ("mse", "bce"))
def test_reference_passes_the_harness(references, loss, name):
    assert mismatch(references[loss], references[loss], name) is None


@pytest.mark.parametrize("name", CHECKS)
@pytest.mark.parametrize("path", CORRECT, ids=lambda path: path.stem)
def test_correct_example_matches_the_reference(correct_modules, references, path, name):
    module = correct_modules[path.name]
    assert mismatch(module, reference_for(module, references), name) is None


# ---------------------------------------------------------------------------
# The broken examples (never imported here: some hang, flood or train)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("directory", BROKEN, ids=lambda path: path.name)
def test_broken_example_is_a_single_backprop_file(directory):
    source = (directory / "backprop.py").read_text(encoding="utf-8")
    if directory.name == "syntax_error":
        with pytest.raises(SyntaxError):
            compile(source, "backprop.py", "exec")
    else:
        compile(source, "backprop.py", "exec")

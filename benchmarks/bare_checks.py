"""The lab's checks with nothing around them: one bare Python process that imports a
backprop.py directly and checks it as the grader does (values, gradient checks,
convergence, the two plots), without pytest, workers or the grader's package.

    python benchmarks/bare_checks.py [FOLDER]    (default: solution/)

The baseline of benchmarks/speed.py: a grade costs this plus the grader's overhead.
Exits 1 when a check fails, so a baseline that silently skips work is noticed.
"""

import importlib.util
import io
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")
STEP = 1e-6


def load_module(path):
    spec = importlib.util.spec_from_file_location("bare_submission", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rel_error(got, expected):
    scale = max(np.linalg.norm(got) + np.linalg.norm(expected), 1e-8)
    return float(np.linalg.norm(np.asarray(got) - expected) / scale)


def params_of(widths, seed, bias_scale=0.5):
    generator = np.random.default_rng([11, seed, *widths])
    params = {}
    for layer, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        params[f"W{layer}"] = generator.normal(0.0, 1.0, (fan_in, fan_out))
        params[f"b{layer}"] = generator.normal(0.0, bias_scale, (1, fan_out))
    return params


def inputs(n, seed=0):
    generator = np.random.default_rng([7, seed, n])
    x = generator.uniform(0.0, 1.0, (n, 2))
    return x, (generator.uniform(size=(n, 1)) < 0.5).astype(np.float64)


def sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


def reference_forward(x, params):
    z = x
    for layer in (1, 2, 3):
        z = sigmoid(z @ params[f"W{layer}"] + params[f"b{layer}"])
    return z


def fd_gradient(function, params, key):
    point = np.array(params[key], dtype=np.float64)
    gradient = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        original = point[index]
        point[index] = original + STEP
        above = function({**params, key: point.copy()})
        point[index] = original - STEP
        below = function({**params, key: point.copy()})
        point[index] = original
        gradient[index] = (above - below) / (2 * STEP)
    return gradient


def check(condition, what):
    if not condition:
        raise SystemExit(f"bare check failed: {what}")


def value_checks(lab):
    grid = np.linspace(-10.0, 10.0, 41).reshape(41, 1)
    check(np.allclose(lab.sigmoid(grid), sigmoid(grid)), "sigmoid values")
    extremes = np.array([[-1000.0, -745.0, -50.0, 0.0, 50.0, 745.0, 1000.0]])
    check(np.all(np.isfinite(lab.sigmoid(extremes))), "sigmoid extremes")
    for shape in [(7, 1), (3, 4), (5,)]:
        check(lab.sigmoid(np.zeros(shape)).shape == shape, "sigmoid shape")
    outputs = np.linspace(0.01, 0.99, 25).reshape(5, 5)
    check(np.allclose(lab.derivative_sigmoid(outputs), outputs * (1 - outputs)), "d sigmoid")
    for n in (1, 7, 100):
        generator = np.random.default_rng([5, 0, n])
        y_pred, y = generator.uniform(0.01, 0.99, (n, 1)), (generator.uniform(size=(n, 1)) < .5)
        y = y.astype(np.float64)
        check(abs(lab.loss(y_pred, y) - np.mean((y_pred - y) ** 2)) < 1e-12, "loss")
        check(np.allclose(lab.derivative_loss(y_pred, y), 2 * (y_pred - y) / n), "d loss")
        if n == 7:
            numeric = np.zeros_like(y_pred)
            for i in range(n):
                up, down = y_pred.copy(), y_pred.copy()
                up[i] += STEP
                down[i] -= STEP
                numeric[i] = (lab.loss(up, y) - lab.loss(down, y)) / (2 * STEP)
            check(rel_error(lab.derivative_loss(y_pred, y), numeric) < 1e-5, "d loss fd")
    for widths in [(2, 4, 4, 1), (2, 3, 5, 1), (2, 1, 7, 1)]:
        params = params_of(widths, 0)
        for n in (1, 7, 100):
            x, _ = inputs(n)
            check(rel_error(lab.forward(x, params)[0], reference_forward(x, params)) < 1e-7,
                  "forward")
    params, grads = params_of((2, 3, 5, 1), 2), params_of((2, 3, 5, 1), 3)
    for lr in (0.5, 0.1, 3.0):
        new = lab.update({k: v.copy() for k, v in params.items()}, grads, lr)
        check(all(np.allclose(new[k], params[k] - lr * grads[k]) for k in KEYS), "update")


def gradient_checks(lab):
    x, y = inputs(7, seed=1)
    params = params_of((2, 3, 5, 1), 1)
    grads = lab.backward(y, lab.forward(x, params)[1], params)

    def loss_of(trial):
        return float(np.mean((lab.forward(x, trial)[0] - y) ** 2))

    for key in KEYS:
        check(rel_error(grads[key], fd_gradient(loss_of, params, key)) < 1e-5, f"d{key} fd")
    for widths, n in [((2, 4, 4, 1), 7), ((2, 1, 7, 1), 100)]:
        x, y = inputs(n, seed=1)
        params = params_of(widths, 1)
        grads = lab.backward(y, lab.forward(x, params)[1], params)
        check(all(grads[k].shape == params[k].shape for k in KEYS), "grad shapes")


def convergence_checks(lab):
    for name, budget in (("linear", 4000), ("xor_easy", 5000)):
        table = np.loadtxt(ROOT / "datasets" / f"{name}.csv", delimiter=",", skiprows=1,
                           ndmin=2)
        x, y = table[:, :2], table[:, 2:3]
        for seed in (1, 2, 4):
            generator = np.random.default_rng(seed)
            params = {}
            for layer, (fan_in, fan_out) in enumerate(zip((2, 4, 4), (4, 4, 1)), start=1):
                params[f"W{layer}"] = generator.normal(0.0, 1.0, (fan_in, fan_out))
                params[f"b{layer}"] = np.zeros((1, fan_out))
            for _ in range(budget):
                y_pred, cache = lab.forward(x, params)
                if np.all((y_pred >= 0.5) == (y >= 0.5)):
                    break
                params = lab.update(params, lab.backward(y, cache, params), 1.0)
            check(np.all((lab.forward(x, params)[0] >= 0.5) == (y >= 0.5)), f"{name} {seed}")


def figure_checks(lab):
    x, y = inputs(24, seed=3)
    pred_y = np.where(y == 1.0, 0.6, 0.3)
    for figure in (lab.show_result(x, y, pred_y),
                   lab.show_learning_curve((0.25 * np.exp(-np.arange(60) / 12.0)).tolist())):
        png = io.BytesIO()
        figure.savefig(png, format="png", dpi=72)
        drawn = sum(len(c.get_offsets()) for ax in figure.axes for c in ax.collections) + sum(
            len(line.get_ydata()) for ax in figure.axes for line in ax.lines)
        check(png.getvalue().startswith(b"\x89PNG") and drawn, "figure")
        plt.close(figure)


def main(folder):
    lab = load_module(Path(folder) / "backprop.py")
    value_checks(lab)
    gradient_checks(lab)
    convergence_checks(lab)
    figure_checks(lab)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ROOT / "solution")

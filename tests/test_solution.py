"""The reference solution itself: gradients, convergence, figures, input checking."""

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pytest

from grader.session import datasets
from grader.session.gradcheck import params_gradient, rel_error

KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


@pytest.mark.parametrize("loss_kind", ["mse", "bce"])
@pytest.mark.parametrize("widths", [(2, 4, 4, 1), (2, 3, 5, 1)])
def test_backward_matches_finite_differences(lab, widths, loss_kind):
    lab.LOSS = loss_kind
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (9, 2))
    y = (rng.uniform(size=(9, 1)) < 0.5).astype(float)
    params = lab.init_params(widths, seed=3)
    params = {k: v + rng.normal(0, 0.3, v.shape) for k, v in params.items()}  # non-zero biases
    y_pred, cache = lab.forward(x, params)
    grads = lab.backward(y, cache, params)

    def loss_of(p):
        return lab.loss(lab.forward(x, p)[0], y)

    for key in KEYS:
        assert grads[key].shape == params[key].shape
        assert rel_error(grads[key], params_gradient(loss_of, params, key)) < 1e-7, key


def test_backward_leaves_params_unchanged(lab):
    params = lab.init_params((2, 3, 5, 1), seed=1)
    before = {k: v.copy() for k, v in params.items()}
    x, y = datasets.load("xor_easy")
    lab.backward(y, lab.forward(x, params)[1], params)
    assert all(np.array_equal(before[k], params[k]) for k in KEYS)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dataset", ["linear", "xor_easy"])
def test_training_reaches_full_accuracy(lab, dataset, seed):
    x, y = datasets.load(dataset)
    params, losses = lab.train(x, y, lab.init_params(seed=seed), lr=1.0, epochs=5000,
                               print_every=0)
    assert lab.accuracy(lab.predict(x, params), y) == 1.0
    assert len(losses) == 5000 and losses[-1] < losses[0]


def test_sigmoid_is_stable_at_large_inputs(lab):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = lab.sigmoid(np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]]))
    assert np.all(np.isfinite(values))
    expected = [[0.0, 1 / (1 + np.exp(30.0)), 0.5, 1 / (1 + np.exp(-30.0)), 1.0]]
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("function", ["loss", "derivative_loss", "accuracy"])
def test_mismatched_label_shapes_are_rejected(lab, function):
    y_pred = np.full((5, 1), 0.5)
    with pytest.raises(ValueError, match=r"\(5, 1\).*\(5,\)"):
        getattr(lab, function)(y_pred, np.zeros(5))


def test_train_rejects_inputs_of_the_wrong_shape(lab):
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 1\)"):
        lab.train(np.zeros((4, 3)), np.zeros((4, 1)), lab.init_params(), epochs=1)


def test_training_and_testing_print_the_lab_lines(lab, capsys):
    x, y = datasets.load("xor_easy")
    params, _ = lab.train(x, y, lab.init_params(seed=0), lr=1.0, epochs=1000, print_every=500)
    lab.test(x, y, params)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("epoch 500 loss : ") and lines[1].startswith("epoch 1000 loss : ")
    assert lines[2].startswith("Iter 1 | Ground truth: 0.0 | prediction: ")
    assert len(lines) == 2 + 21 + 1
    assert lines[-1].startswith("loss=") and lines[-1].endswith("%")


def scatter_points(ax):
    return np.concatenate([c.get_offsets() for c in ax.collections])


def test_show_result_meets_the_contract(lab):
    x, y = datasets.load("linear")
    pred_y = np.where(y > 0.5, 0.9, 0.1)
    pred_y[:4] = 1 - pred_y[:4]
    figure = lab.show_result(x, y, pred_y)
    axes = figure.axes
    assert [ax.get_title() for ax in axes] == ["Ground truth", "Predict result"]
    for ax, labels in zip(axes, (y, pred_y >= 0.5)):
        np.testing.assert_array_equal(scatter_points(ax), x)
        colours = ax.collections[0].get_facecolors()
        for label in (0, 1):
            assert len(np.unique(colours[labels[:, 0] == label], axis=0)) == 1
        assert not np.array_equal(colours[labels[:, 0] == 0][0], colours[labels[:, 0] == 1][0])
    plt.close(figure)


def test_show_learning_curve_plots_every_loss(lab):
    losses = [0.3, 0.2, 0.1, 0.05]
    figure = lab.show_learning_curve(losses)
    (ax,) = figure.axes
    (line,) = ax.lines
    np.testing.assert_array_equal(line.get_ydata(), losses)
    assert "epoch" in ax.get_xlabel() and "loss" in ax.get_ylabel()
    plt.close(figure)

"""datasets/: reproducible, checksummed, faithful to the lab's generators."""

import numpy as np
import pytest

from grader.authoring import data
from grader.lab import DATASETS
from grader.paths import DATASETS_DIR
from grader.session import datasets


def test_recorded_checksums_match_the_files():
    for name, digest in datasets.recorded_checksums().items():
        assert datasets.sha256(DATASETS_DIR / name) == digest, name


def test_every_data_set_of_the_lab_has_a_recipe():
    assert tuple(data.RECIPES) == DATASETS


def test_regenerating_gives_identical_bytes(tmp_path):
    written = data.make_datasets(tmp_path)
    for path in written:
        assert path.read_bytes() == (DATASETS_DIR / path.name).read_bytes(), path.name


def test_linear_data_follows_the_lab():
    x, y = datasets.load("linear")
    assert x.shape == (100, 2) and y.shape == (100, 1)
    assert np.all((x >= 0) & (x <= 1))
    np.testing.assert_array_equal(y[:, 0], np.where(x[:, 0] > x[:, 1], 0.0, 1.0))


def test_xor_easy_has_the_21_diagonal_points():
    x, y = datasets.load("xor_easy")
    assert x.shape == (21, 2)
    on_diagonal = np.isclose(x[:, 0], x[:, 1])
    np.testing.assert_array_equal(y[:, 0], np.where(on_diagonal, 0.0, 1.0))
    assert on_diagonal.sum() == 11 and np.allclose(x[~on_diagonal].sum(axis=1), 1.0)


def test_a_tampered_file_is_refused(tmp_path):
    data.make_datasets(tmp_path)
    path = tmp_path / "linear.csv"
    path.write_text(path.read_text().replace(",0\n", ",1\n", 1))
    with pytest.raises(datasets.DatasetError, match="checksum"):
        datasets.load("linear", tmp_path)


def test_unknown_dataset_is_named_in_the_error():
    with pytest.raises(datasets.DatasetError, match="'moons'"):
        datasets.load("moons")

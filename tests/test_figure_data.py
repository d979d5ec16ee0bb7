"""The grader derives what a figure shows from raw data it checks itself
(grader.session.figures): points and curves from the serialised artists, and a malformed
serialisation is a failed check, never a crash or a pass."""

import matplotlib
import numpy as np
import pytest

from grader.sandbox.figures import serialize_figure
from grader.session.figures import Malformed, describe_figure

matplotlib.use("Agg")


def drawn():
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2)
    left.scatter([0.0, 1.0], [1.0, 0.0], c=["red", "blue"])
    left.set_title("Ground truth")
    right.plot([0.0, 1.0], [1.0, 0.0], "go")
    right.plot([0, 1, 2], [3.0, 2.0, 1.0])
    right.set(xlabel="epoch", ylabel="loss")
    raw = serialize_figure(figure)
    plt.close(figure)
    return raw


def test_points_colours_and_curves_come_from_the_raw_artists():
    described = describe_figure(drawn())
    left, right = described["axes"]
    assert left["title"] == "Ground truth" and len(left["points"]) == 1
    assert np.allclose(left["points"][0]["xy"], [[0, 1], [1, 0]])
    assert np.allclose(left["points"][0]["colours"], [[1, 0, 0, 1], [0, 0, 1, 1]])
    assert len(right["points"]) == 1 and np.allclose(right["points"][0]["colours"][:, 1], 0.5)
    assert [list(curve["y"]) for curve in right["curves"]] == [[3.0, 2.0, 1.0]]
    assert described["png"].tobytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("spoil", [
    lambda raw: raw.pop("axes"),
    lambda raw: raw["axes"][0].update(title=["Ground truth"]),
    lambda raw: raw["axes"][0]["collections"][0].update(offsets=np.zeros((2, 3))),
    lambda raw: raw["axes"][0]["collections"][0].update(offsets=[[0.0, 1.0]]),
    lambda raw: raw["axes"][1]["lines"][1].update(y=np.zeros(7)),
    lambda raw: raw.update(png="a picture"),
])
def test_data_that_the_serialiser_never_writes_is_a_failed_check(spoil):
    raw = drawn()
    spoil(raw)
    with pytest.raises(Malformed):
        describe_figure(raw)

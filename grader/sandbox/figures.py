"""Serialise a matplotlib figure as plain data (runs in the worker, next to the plot).

A fixed serialiser, no judgement: every axes' texts and scale, every collection's and
every line's raw data, and the rendered PNG. What counts as a point or a curve, which
colour a point has, is decided by the grader from this data
(grader.session.figures), never here:
    {"axes": [{"title", "xlabel", "ylabel", "yscale": str,
               "collections": [{"kind": class name, "offsets": (n, 2),
                                "facecolors": (k, 4), "edgecolors": (k, 4)}],
               "lines": [{"x": (n,), "y": (n,), "linestyle": str, "marker": str,
                          "colour": (4,), "marker_colour": (4,)}]}],
     "png": uint8 array of the rendered PNG}
"""

import io
import os

import numpy as np

# The files of matplotlib's show(): plt.show() and Figure.show() open a window wherever
# a display is (the worker's Agg backend makes them no-ops, so the calls are counted).
SHOW_FILES = tuple(os.path.join("matplotlib", name) for name in ("pyplot.py", "figure.py"))


def _floats(values, columns=None):
    array = np.asarray(values, dtype=np.float64)
    return array.reshape(-1, columns) if columns else array.reshape(-1)


def _collection(collection):
    collection.update_scalarmappable()  # maps c=values through the colormap now
    return {"kind": type(collection).__name__,
            "offsets": _floats(collection.get_offsets(), 2),
            "facecolors": _floats(collection.get_facecolors(), 4),
            "edgecolors": _floats(collection.get_edgecolors(), 4)}


def _line(line):
    from matplotlib.colors import to_rgba

    marker = line.get_marker()
    return {"x": _floats(line.get_xdata()), "y": _floats(line.get_ydata()),
            "linestyle": str(line.get_linestyle()),
            "marker": marker if isinstance(marker, str) else "path",
            "colour": _floats(to_rgba(line.get_color())),
            "marker_colour": _floats(to_rgba(line.get_markerfacecolor() or line.get_color()))}


def _axes(ax):
    return {"title": str(ax.get_title()), "xlabel": str(ax.get_xlabel()),
            "ylabel": str(ax.get_ylabel()), "yscale": str(ax.get_yscale()),
            "collections": [_collection(c) for c in ax.collections],
            "lines": [_line(line) for line in ax.lines]}


def serialize_figure(figure):
    """The raw data of a Figure, or None when `figure` is not one."""
    if not (hasattr(figure, "axes") and hasattr(figure, "savefig")):
        return None
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=72)
    return {"axes": [_axes(ax) for ax in figure.axes],
            "png": np.frombuffer(png.getvalue(), dtype=np.uint8)}

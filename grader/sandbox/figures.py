"""Describe a matplotlib figure as plain data (runs in the worker, next to the plot).

The description holds what the figure checks need and nothing of matplotlib:
    {"axes": [{"title", "xlabel", "ylabel", "yscale",
               "points": [{"xy": (n, 2), "colours": (n, 4) RGBA}],
               "curves": [{"x": (n,), "y": (n,)}]}],
     "png": uint8 array of the rendered PNG}
Points come from scatter collections and from marker-only lines (plot(x, y, "ro"));
curves are the lines drawn with a line style.
"""

import io
import os
import sys

import numpy as np

NO_LINE = ("None", "none", "", " ")
# The files of matplotlib's show(): plt.show() and Figure.show() open a window wherever
# a display is (the worker's Agg backend makes them no-ops, so the calls are counted).
SHOW_FILES = tuple(os.path.join("matplotlib", name) for name in ("pyplot.py", "figure.py"))


def open_figures():
    """How many pyplot figures are open (0 when pyplot was never imported)."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    return len(pyplot.get_fignums()) if pyplot is not None else 0


def _collection_points(collection):
    xy = np.asarray(collection.get_offsets(), dtype=np.float64).reshape(-1, 2)
    collection.update_scalarmappable()  # maps c=values through the colormap now
    colours = np.asarray(collection.get_facecolors(), dtype=np.float64).reshape(-1, 4)
    if len(colours) == 0:
        colours = np.asarray(collection.get_edgecolors(), dtype=np.float64).reshape(-1, 4)
    if len(colours) == 1:
        colours = np.repeat(colours, len(xy), axis=0)
    return {"xy": xy, "colours": colours}


def _line_points(line):
    from matplotlib.colors import to_rgba

    xy = np.column_stack([np.asarray(line.get_xdata(), dtype=np.float64),
                          np.asarray(line.get_ydata(), dtype=np.float64)])
    colour = to_rgba(line.get_markerfacecolor() or line.get_color())
    return {"xy": xy, "colours": np.tile(colour, (len(xy), 1))}


def _describe_axes(ax):
    from matplotlib.collections import PathCollection

    # Only scatter's PathCollections are points: a colorbar's mesh is a collection too.
    points = [_collection_points(c) for c in ax.collections
              if isinstance(c, PathCollection) and len(c.get_offsets())]
    curves = []
    for line in ax.lines:
        if line.get_linestyle() in NO_LINE:
            if line.get_marker() not in NO_LINE:
                points.append(_line_points(line))
        else:
            curves.append({"x": np.asarray(line.get_xdata(), dtype=np.float64),
                           "y": np.asarray(line.get_ydata(), dtype=np.float64)})
    return {
        "title": ax.get_title(),
        "xlabel": ax.get_xlabel(),
        "ylabel": ax.get_ylabel(),
        "yscale": ax.get_yscale(),
        "points": points,
        "curves": curves,
    }


def describe_figure(figure):
    """Description of a Figure, or None when `figure` is not one."""
    if not (hasattr(figure, "axes") and hasattr(figure, "savefig")):
        return None
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=72)
    return {
        "axes": [_describe_axes(ax) for ax in figure.axes],
        "png": np.frombuffer(png.getvalue(), dtype=np.uint8),
    }

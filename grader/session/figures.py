"""What a figure shows, derived by the grader from the raw data the worker serialised
(grader.sandbox.figures): the worker only reads matplotlib's artists out; which of them
are points and curves, and each point's colour, is decided here, on data checked to be
plain strings and float arrays of the right shapes.

    {"axes": [{"title", "xlabel", "ylabel", "yscale",
               "points": [{"xy": (n, 2), "colours": (n, 4) RGBA}],
               "curves": [{"x": (n,), "y": (n,)}]}],
     "png": uint8 array of the rendered PNG}
Points come from scatter collections (PathCollection: a colorbar's mesh is a collection
too) and from marker-only lines (plot(x, y, "ro")); curves are the lines drawn with a
line style.
"""

import numpy as np

from grader.session.marker import CheckFailed

NO_LINE = ("None", "none", "", " ")
TEXTS = ("title", "xlabel", "ylabel", "yscale")


class Malformed(CheckFailed):
    """The figure's data is not what the worker's serialiser writes."""


def _text(value):
    if not isinstance(value, str):
        raise Malformed("the figure's data holds a text that is not a string")
    return value


def _array(value, columns=None):
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or \
            (columns and (value.ndim != 2 or value.shape[1] != columns)) or \
            (not columns and value.ndim != 1):
        raise Malformed("the figure's data holds an array of the wrong kind or shape")
    return np.array(value, dtype=np.float64, subok=False)


def _points_of_collection(raw):
    xy = _array(raw["offsets"], 2)
    colours = _array(raw["facecolors"], 4)
    if len(colours) == 0:
        colours = _array(raw["edgecolors"], 4)
    if len(colours) == 1:
        colours = np.repeat(colours, len(xy), axis=0)
    return {"xy": xy, "colours": colours}


def _axes(raw):
    if not isinstance(raw, dict):
        raise Malformed("the figure's data holds axes that are not a dict")
    described = {name: _text(raw.get(name)) for name in TEXTS}
    points, curves = [], []
    for collection in raw.get("collections", []):
        if _text(collection.get("kind")) == "PathCollection" and \
                len(_array(collection.get("offsets"), 2)):
            points.append(_points_of_collection(collection))
    for line in raw.get("lines", []):
        x, y = _array(line.get("x")), _array(line.get("y"))
        if len(x) != len(y):
            raise Malformed("the figure's data holds a line whose x and y differ in length")
        if _text(line.get("linestyle")) in NO_LINE:
            if _text(line.get("marker")) not in NO_LINE:
                colour = _array(line.get("marker_colour")).reshape(1, -1)
                if colour.shape != (1, 4):
                    raise Malformed("the figure's data holds a colour that is not RGBA")
                points.append({"xy": np.column_stack([x, y]),
                               "colours": np.repeat(colour, len(x), axis=0)})
        else:
            curves.append({"x": x, "y": y})
    return {**described, "points": points, "curves": curves}


def describe_figure(raw):
    """The description of a figure (see the module's docstring) from its raw data, or
    Malformed (a CheckFailed) when the data is not what the serialiser writes."""
    try:
        axes = [_axes(ax) for ax in raw["axes"]]
        png = raw["png"]
    except (KeyError, TypeError, AttributeError):
        raise Malformed("the figure's data is not what the worker's serialiser writes") \
            from None
    if not isinstance(png, np.ndarray) or png.dtype != np.uint8:
        raise Malformed("the figure's PNG is not bytes")
    return {"axes": axes, "png": png}

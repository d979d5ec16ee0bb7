"""Arrays between the grader and the worker (grader.sandbox.protocol): every plain array
comes back as it went, writable; whatever is not a plain array is refused, never
unpickled and never a crash of the grader; a dict of the submission's stays a dict."""

import base64
import json

import numpy as np
import pytest

from grader.sandbox import protocol
from grader.sandbox.worker import describe

PLAIN = [np.linspace(0.0, 1.0, 14).reshape(7, 2), np.arange(6, dtype=np.int32).reshape(2, 3).T,
         np.array(3.5), np.zeros((0, 4)), np.array([True, False]), np.array(["ab", "c"]),
         np.arange(4, dtype=">f4"), np.array(["2020-01-01"], dtype="M8[D]"),
         np.frombuffer(b"\x89PNG", dtype=np.uint8)]


def message(value):
    return json.dumps(value).encode("utf-8")


@pytest.mark.parametrize("array", PLAIN, ids=lambda array: array.dtype.str)
def test_a_plain_array_comes_back_as_it_went_and_writable(array):
    got = protocol.loads(protocol.body({"args": [array, {"W1": array}]}))
    for back in (got["args"][0], got["args"][1]["W1"]):
        assert type(back) is np.ndarray and back.dtype == array.dtype
        assert back.shape == array.shape and np.array_equal(back, array)
        back[...] = back  # an update in place, as a submission's may do


def encoded(data, dtype, shape):
    return {protocol.ARRAY_KEY: base64.b64encode(data).decode("ascii"), "dtype": dtype,
            "shape": shape}


@pytest.mark.parametrize("array", [
    encoded(b"\x00" * 8, "O", [1]),  # objects would be pickled
    encoded(b"\x00" * 12, "f8,i4", [1]),  # a structured record
    encoded(b"\x00" * 16, "(2,)f8", [1]),
    encoded(b"\x00" * 8, "not a dtype", [1]),
    encoded(b"\x00" * 8, "<f8", [2]),  # the bytes do not fill the shape
    encoded(b"\x00" * 8, "<f8", [-1]),
    encoded(b"\x00" * 8, "<f8", [1.0]),
    {protocol.ARRAY_KEY: "not base64!", "dtype": "<f8", "shape": [0]},
])
def test_anything_else_posing_as_an_array_is_refused(array):
    with pytest.raises(protocol.ProtocolError, match="unreadable array"):
        protocol.loads(message({"value": array}))


def test_an_object_array_is_never_sent():
    with pytest.raises(ValueError, match="cannot be sent"):
        protocol.body({"value": np.array([object()])})


def test_a_dict_of_the_submissions_with_the_arrays_keys_stays_a_dict():
    returned = {protocol.ARRAY_KEY: "AAAAAAAAAAA=", "dtype": "<f8", "shape": [1]}
    got = protocol.loads(protocol.body(describe(returned)))
    assert got["kind"] == "dict" and set(got["items"]) == set(returned)
    assert got["items"]["dtype"] == {"kind": "other", "type": "str", "repr": "'<f8'"}
    assert np.array_equal(got["items"]["shape"]["array"], [1.0])

"""Messages between the grader and the worker process that runs a submission.

A message is a 4-byte big-endian length followed by JSON text. Arrays travel as
`{"__ndarray__": <base64 of np.save bytes>}` and are read back with
`np.load(allow_pickle=False)`, so nothing the submission produced is ever unpickled.
"""

import base64
import io
import json
import struct

ARRAY_KEY = "__ndarray__"
LENGTH = struct.Struct(">I")
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


class ProtocolError(RuntimeError):
    """The other side sent something that is not a message, or hung up."""


def _encode(value, np):
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, np.array(value, order="C"), allow_pickle=False)
        return {ARRAY_KEY: base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, dict):
        return {str(key): _encode(item, np) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item, np) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode_object(obj):
    if set(obj) == {ARRAY_KEY}:
        import numpy as np

        raw = base64.b64decode(obj[ARRAY_KEY])
        return np.load(io.BytesIO(raw), allow_pickle=False)
    return obj


def dumps(value):
    """Bytes of one framed message holding `value` (JSON types and ndarrays)."""
    # numpy is imported on first use, so that a worker can start before the grader has it.
    import numpy as np

    body = json.dumps(_encode(value, np), allow_nan=True).encode("utf-8")
    return LENGTH.pack(len(body)) + body


def loads(body):
    """The value of one message body (without its length prefix)."""
    try:
        return json.loads(body.decode("utf-8"), object_hook=_decode_object)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"unreadable message: {error}") from None


def read_message(stream):
    """Read one message from a binary stream; raises ProtocolError at end of stream."""
    return read_framed(stream.read)


def read_framed(read):
    """One message, reading with read(size) (which returns fewer bytes at end of stream)."""
    header = read(LENGTH.size)
    if len(header) < LENGTH.size:
        raise ProtocolError("the other side closed the connection")
    (size,) = LENGTH.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes exceeds the limit")
    body = read(size)
    if len(body) < size:
        raise ProtocolError("the other side closed the connection mid-message")
    return loads(body)


def write_message(stream, value):
    stream.write(dumps(value))
    stream.flush()

"""Messages between the grader and the worker process that runs a submission.

A message is a 4-byte big-endian length followed by JSON text. Arrays travel as
`{"__ndarray__": <base64 of the raw bytes, C order>, "dtype": "<f8", "shape": [7, 2]}` and
are read back with np.frombuffer for plain dtypes only (numbers, booleans, fixed-width
texts, dates: never objects, which would be pickled, nor structured records), so nothing
the submission produced is ever unpickled. (np.save's format would carry the same; its
header, parsed per array, made the many small arrays of a grade cost a tenth of a second.)

The grader reads answers through a Channel: a reader thread puts each message on a
queue, so waiting for an answer with a deadline needs neither `select` on a pipe nor
signals (neither works on Windows), and works the same on pipes and sockets.
"""

import base64
import binascii
import hashlib
import hmac
import json
import operator
import queue
import struct
import threading

ARRAY_KEY = "__ndarray__"
ARRAY_FIELDS = {ARRAY_KEY, "dtype", "shape"}
LENGTH = struct.Struct(">I")
MAX_MESSAGE_BYTES = 256 * 1024 * 1024


SIGNATURE_BYTES = hashlib.sha256().digest_size


class ProtocolError(RuntimeError):
    """The other side sent something that is not a message, or hung up."""


class Forged(ProtocolError):
    """A message that does not carry the key's signature: not the worker's own answer."""


def _plain(dtype):
    """Whether an array of dtype travels as its raw bytes (see the module's docstring)."""
    return not dtype.hasobject and dtype.fields is None and dtype.subdtype is None


def _encode(value, np):
    if isinstance(value, np.ndarray):
        if not _plain(value.dtype):
            raise ValueError(f"an array of {value.dtype} cannot be sent")
        return {ARRAY_KEY: base64.b64encode(value.tobytes(order="C")).decode("ascii"),
                "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, dict):
        return {str(key): _encode(item, np) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item, np) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _decode_object(obj):
    """An encoded array back as a fresh, writable ndarray; any other object as it is (a
    dict of the submission's keys holds descriptions, never these three texts and list)."""
    if obj.keys() != ARRAY_FIELDS or not isinstance(obj[ARRAY_KEY], str) or \
            not isinstance(obj["dtype"], str) or not isinstance(obj["shape"], list):
        return obj
    import numpy as np

    try:
        dtype = np.dtype(obj["dtype"])
        shape = tuple(operator.index(size) for size in obj["shape"])
        if not _plain(dtype) or min(shape, default=0) < 0:
            raise ValueError(obj["dtype"])
        raw = bytearray(base64.b64decode(obj[ARRAY_KEY], validate=True))
        return np.frombuffer(raw, dtype=dtype).reshape(shape)
    except (TypeError, ValueError, binascii.Error) as error:
        raise ProtocolError(f"unreadable array: {type(error).__name__}") from None


def body(value):
    """The JSON bytes of `value` (JSON types and ndarrays), without a frame."""
    # numpy is imported on first use, so that a worker can start before the grader has it.
    import numpy as np

    return json.dumps(_encode(value, np), allow_nan=True).encode("utf-8")


def dumps(value):
    """Bytes of one framed message holding `value` (JSON types and ndarrays)."""
    encoded = body(value)
    return LENGTH.pack(len(encoded)) + encoded


def loads(body):
    """The value of one message body (without its length prefix)."""
    try:
        return json.loads(body.decode("utf-8"), object_hook=_decode_object)
    except (ValueError, UnicodeDecodeError) as error:
        raise ProtocolError(f"unreadable message: {error}") from None


def read_message(stream):
    """Read one message from a binary stream; raises ProtocolError at end of stream."""
    return read_framed(stream.read)


def read_framed(read, raw=False):
    """One message, reading with read(size) (which returns fewer bytes at end of stream);
    raw: its body as bytes, not decoded."""
    header = read(LENGTH.size)
    if len(header) < LENGTH.size:
        raise ProtocolError("the other side closed the connection")
    (size,) = LENGTH.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError(f"message of {size} bytes exceeds the limit")
    body = read(size)
    if len(body) < size:
        raise ProtocolError("the other side closed the connection mid-message")
    return body if raw else loads(body)


def signed_answer(body, key):
    """The worker's answer in a signed message body (grader.sandbox.worker): the answer
    dict with the guard's report under "sentry". Forged unless the signature is the
    key's HMAC-SHA256 of the rest."""
    signature, payload = body[:SIGNATURE_BYTES], body[SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, hmac.digest(key, payload, "sha256")):
        raise Forged("a message the worker did not sign")
    size = int.from_bytes(payload[:4], "big")
    sentry = loads(payload[4:4 + size])
    answer = loads(payload[4 + size:]) if len(payload) > 4 + size else {}
    if not isinstance(answer, dict) or not isinstance(sentry, dict):
        raise ProtocolError("the worker's answer is not a dict")
    answer["sentry"] = sentry
    return answer


def write_message(stream, value):
    stream.write(dumps(value))
    stream.flush()


class Channel:
    """Framed messages over a pair of binary streams, received with a deadline.

    The reader stream belongs to a daemon thread from here on: it reads messages ahead
    and closes the stream at its end, so no other thread ever blocks on closing it (a
    blocked read holds the stream's lock until the writer's side is gone).
    """

    def __init__(self, reader, writer):
        self.writer = writer
        self.inbox = queue.Queue()
        self.ended = None  # the ProtocolError that ended the channel, once it has
        self.key = None  # once set (expect_signed), every message must be signed with it
        threading.Thread(target=self._read_all, args=(reader,), daemon=True,
                         name="grader-channel").start()

    def _read_all(self, reader):
        try:
            while True:
                self.inbox.put(read_framed(reader.read, raw=True))
        except (ProtocolError, OSError, ValueError) as error:
            ended = error if isinstance(error, ProtocolError) else ProtocolError(
                f"the connection failed: {error}")
            self.inbox.put(ended)
        finally:
            try:
                reader.close()
            except OSError:
                pass

    def send(self, value):
        write_message(self.writer, value)

    def expect_signed(self, key):
        """From the next message received on, accept signed answers only (signed_answer)."""
        self.key = key

    def receive(self, timeout):
        """The next message; TimeoutError after `timeout` seconds, ProtocolError once the
        other side has hung up or sent garbage."""
        if self.ended is not None:
            raise self.ended
        try:
            item = self.inbox.get(timeout=max(timeout, 0.0))
        except queue.Empty:
            raise TimeoutError from None
        try:
            if isinstance(item, ProtocolError):
                raise item
            return loads(item) if self.key is None else signed_answer(item, self.key)
        except ProtocolError as error:
            self.ended = error
            raise
        return item

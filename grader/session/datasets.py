"""The lab's fixed data sets, read from datasets/ and verified against their checksums.

Each file has the header `x1,x2,label` and one sample per line; `datasets/SHA256SUMS`
records every file's digest (written by grader.authoring.data.make_datasets).
"""

import hashlib
from pathlib import Path

from grader.lab import DATASETS
from grader.paths import DATASETS_DIR

HEADER = "x1,x2,label"
CHECKSUMS = "SHA256SUMS"


class DatasetError(ValueError):
    """A data file is missing, malformed or differs from its recorded checksum."""


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def recorded_checksums(directory=DATASETS_DIR, listing=CHECKSUMS):
    """{file name: hex digest} as listed in directory/listing (`<digest>  <name>` lines)."""
    listing = Path(directory) / listing
    if not listing.exists():
        raise DatasetError(f"{listing} is missing: run `python -m grader make-datasets`")
    digests = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.strip().partition(" ")
        if name.strip():
            digests[name.strip()] = digest
    return digests


def load(name, directory=DATASETS_DIR):
    """Load a fixed data set after checking its digest.

    Args:
        name: "linear" or "xor_easy".

    Returns:
        x: float64 (N, 2); y: float64 (N, 1) of 0.0 and 1.0.
    """
    path = Path(directory) / f"{name}.csv"
    if name not in DATASETS or not path.exists():
        raise DatasetError(f"no data set {name!r} in {directory} (known: {', '.join(DATASETS)})")
    expected = recorded_checksums(directory).get(path.name)
    if sha256(path) != expected:
        raise DatasetError(f"{path} differs from its checksum in {CHECKSUMS}: restore it with "
                           "`git checkout datasets/` or `python -m grader make-datasets`")
    # numpy on first use: the installation's check reads the checksums before the worker
    # starts, and a grade starts its worker before the grader imports numpy.
    import numpy as np

    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return table[:, :2], table[:, 2:3]

"""The lab's fixed data sets: CSV files in datasets/, made by the lab's own generators.

Each file has the header `x1,x2,label` and one sample per line, floats written in
Python's shortest round-trip form so that regenerating gives identical bytes.
`datasets/SHA256SUMS` records every file's digest; loading verifies it.
"""

import hashlib
from pathlib import Path

import numpy as np

from grader.loading import import_file
from grader.paths import DATASETS_DIR, SOLUTION_DIR

HEADER = "x1,x2,label"
CHECKSUMS = "SHA256SUMS"
LINEAR_SEED = 0  # seed of generate_linear for the fixed linear data

# name -> how the solution's generators make it
RECIPES = {
    "linear": lambda lab: lab.generate_linear(n=100, seed=LINEAR_SEED),
    "xor_easy": lambda lab: lab.generate_XOR_easy(),
}


class DatasetError(ValueError):
    """A data file is missing, malformed or differs from its recorded checksum."""


def to_csv(x, y):
    """CSV text of inputs x (N, 2) and labels y (N, 1)."""
    rows = [HEADER]
    for (x1, x2), (label,) in zip(x.tolist(), y.tolist()):
        rows.append(f"{x1!r},{x2!r},{int(label)}")
    return "\n".join(rows) + "\n"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def recorded_checksums(directory=DATASETS_DIR):
    """{file name: hex digest} as listed in SHA256SUMS (`<digest>  <name>` lines)."""
    listing = Path(directory) / CHECKSUMS
    if not listing.exists():
        raise DatasetError(f"{listing} is missing: run `python -m grader make-datasets`")
    digests = {}
    for line in listing.read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        digests[name] = digest
    return digests


def make_datasets(directory=DATASETS_DIR, solution_dir=SOLUTION_DIR):
    """Regenerate every CSV and SHA256SUMS from the solution's generators.

    Returns:
        list of the paths written.
    """
    directory = Path(directory)
    lab = import_file(Path(solution_dir) / "backprop.py", "_lab_generators")
    written, lines = [], []
    for name, recipe in RECIPES.items():
        path = directory / f"{name}.csv"
        path.write_text(to_csv(*recipe(lab)), encoding="utf-8", newline="\n")
        lines.append(f"{sha256(path)}  {path.name}")
        written.append(path)
    listing = directory / CHECKSUMS
    listing.write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    return written + [listing]


def load(name, directory=DATASETS_DIR):
    """Load a fixed data set after checking its digest.

    Args:
        name: "linear" or "xor_easy".

    Returns:
        x: float64 (N, 2); y: float64 (N, 1) of 0.0 and 1.0.
    """
    path = Path(directory) / f"{name}.csv"
    if name not in RECIPES or not path.exists():
        raise DatasetError(f"no data set {name!r} in {directory} (known: {', '.join(RECIPES)})")
    expected = recorded_checksums(directory).get(path.name)
    if sha256(path) != expected:
        raise DatasetError(f"{path} differs from its checksum in {CHECKSUMS}: restore it with "
                           "`git checkout datasets/` or `python -m grader make-datasets`")
    table = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return table[:, :2], table[:, 2:3]

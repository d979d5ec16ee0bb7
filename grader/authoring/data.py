"""Make the lab's fixed data sets: CSV files in datasets/, from the lab's own generators.

Floats are written in Python's shortest round-trip form so that regenerating gives
identical bytes; `datasets/SHA256SUMS` records every file's digest, which loading
(grader.session.datasets) verifies.
"""

from pathlib import Path

from grader.paths import DATASETS_DIR, SOLUTION_DIR
from grader.sandbox.loading import import_file
from grader.session.datasets import CHECKSUMS, HEADER, sha256

LINEAR_SEED = 0  # seed of generate_linear for the fixed linear data

# name -> how the solution's generators make it
RECIPES = {
    "linear": lambda lab: lab.generate_linear(n=100, seed=LINEAR_SEED),
    "xor_easy": lambda lab: lab.generate_XOR_easy(),
}


def to_csv(x, y):
    """CSV text of inputs x (N, 2) and labels y (N, 1)."""
    rows = [HEADER]
    for (x1, x2), (label,) in zip(x.tolist(), y.tolist()):
        rows.append(f"{x1!r},{x2!r},{int(label)}")
    return "\n".join(rows) + "\n"


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

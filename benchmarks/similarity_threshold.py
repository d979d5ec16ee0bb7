"""Where the copy-detection thresholds come from: the similarity of independent
solutions against that of copies, per file and per function.

    python benchmarks/similarity_threshold.py

Independent: every pair of the correct solutions in tests/submissions/correct and the
course's reference (written apart, by different hands and styles). Copies: each of them
against its disguised copies (renamed, reordered, reformatted, all three), and partial
copies (one solution with its backward replaced by another's, renamed). Prints each
distribution and the margin the thresholds in grader/regrade/similarity.py leave; exits
1 when a threshold does not separate the two.
"""

import itertools
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.paths import SOLUTION_DIR  # noqa: E402
from grader.regrade.similarity import (  # noqa: E402
    FUNCTION_THRESHOLD,
    MIN_FUNCTION_FINGERPRINTS,
    THRESHOLD,
    all_pairs,
    starter_sources,
)
from tests.submissions.disguise import (  # noqa: E402
    disguised,
    reformatted,
    renamed,
    reordered,
)

CORRECT = ROOT / "tests" / "submissions" / "correct"
DISGUISES = (renamed, reordered, reformatted, disguised)


def independent_solutions():
    sources = {path.stem: path.read_text(encoding="utf-8")
               for path in sorted(CORRECT.glob("*.py"))}
    sources["reference"] = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    return sources


def backward_of(source):
    found = re.search(r"\ndef backward\(.*?(?=\n\n+def |\Z)", source, re.S)
    return found[0] if found else None


def describe(label, values):
    values = sorted(values)
    print(f"{label}: n={len(values)}  min {values[0]:.0%}  median "
          f"{statistics.median(values):.0%}  95th {values[int(0.95 * (len(values) - 1))]:.0%}"
          f"  max {values[-1]:.0%}")
    return values


def measure():
    sources, base = independent_solutions(), starter_sources()
    pairs = all_pairs(sources, base)
    files = describe("independent, file", [m.similarity for m in pairs])
    functions = describe(f"independent, function ({MIN_FUNCTION_FINGERPRINTS}+ fingerprints)",
                         [share for m in pairs for _, share in m.functions])
    closest = sorted(((share, name, m.a, m.b) for m in pairs for name, share in m.functions),
                     reverse=True)[:3]
    for share, name, a, b in closest:
        print(f"  closest: {name} of {a} and {b}: {share:.0%}")
    copies = []
    for source, disguise in itertools.product(sources.values(), DISGUISES):
        copies += [m.similarity for m in all_pairs({"a": source, "b": disguise(source)}, base)]
    copied = describe("disguised whole copies, file", copies)
    partial, partial_files = [], []
    for own, theirs in itertools.permutations(sources.values(), 2):
        mine, their_backward = backward_of(own), backward_of(theirs)
        if not mine or not their_backward:
            continue
        spliced = own.replace(mine, "\n" + renamed(their_backward).strip("\n"), 1)
        for match in all_pairs({"a": spliced, "b": theirs}, base):
            partial += [share for name, share in match.functions if name == "backward"]
            partial_files.append(match.similarity)
    copied_backward = describe("a copied backward, its function", partial)
    describe("a copied backward, the whole file", partial_files)
    print(f"\nthresholds: file {THRESHOLD:.0%} (independent max {files[-1]:.0%}, copies min "
          f"{copied[0]:.0%}); function {FUNCTION_THRESHOLD:.0%} (independent max "
          f"{functions[-1]:.0%}, copied backward min {copied_backward[0]:.0%})")
    return (files[-1] < THRESHOLD <= copied[0]
            and functions[-1] < FUNCTION_THRESHOLD <= copied_backward[0])


if __name__ == "__main__":
    sys.exit(0 if measure() else 1)

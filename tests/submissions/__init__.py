"""Example submissions the grader's tests run against.

- `mutants.MUTANTS`: single-bug variants of `solution/backprop.py`, each a small textual
  patch with the contract function the grader should blame and, where one applies, the
  diagnosis its feedback should give.
- `correct/*.py`: complete submissions written differently from the reference that must
  score full marks.
- `broken/<case>/backprop.py`: submissions that fail to import, hang, raise, return the
  wrong kind of value, return placeholders (zeros, NaN, an ndarray subclass whose `==` is
  always true), have one known wrong function, or break the rules; the grader must survive
  each, give the exact score expected (tests/test_grader_examples.py) and say why.
"""

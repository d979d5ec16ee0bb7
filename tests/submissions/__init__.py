"""Example submissions the grader's tests run against.

- `mutants.MUTANTS`: single-bug variants of `solution/backprop.py`, each a small textual
  patch with the contract function the grader should blame and, where one applies, the
  diagnosis its feedback should give.
- `correct/*.py`: complete submissions written differently from the reference that must
  score full marks.
- `broken/<case>/backprop.py`: submissions that fail to import, hang, raise, return the
  wrong kind of value or break the rules; the grader must survive each and say why.
"""

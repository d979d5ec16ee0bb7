"""Order within the grading session: the quiet-import rule is judged last.

Its points are earned only once some graded function works (a file of stubs imports
quietly too), and that is known only after the value checks ran. The table still shows
it with the other rules (grader.results.reports sorts rows by group).
"""

import pytest

LAST = "check_import_is_quiet"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.originalname == LAST)

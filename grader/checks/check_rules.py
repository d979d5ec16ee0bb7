"""The lab's rules. A broken rule sets the total to zero (grader.scoring)."""

import pytest

from grader.check import check, fail_unless
from grader.rules import describe, forbidden_imports, is_forbidden


def local_modules(submission):
    return [p.stem for p in submission.path.parent.glob("*.py") if p != submission.path]


def fail_on_imports(found, how=""):
    fail_unless(not found, "backprop.py imports " + "; ".join(
        f"{describe(module)} on line {line}" for module, line in found)
        + f"{how}. The lab allows only numpy, matplotlib and the standard library.")


@check("rules: imports only numpy, matplotlib and the standard library", points=0)
def check_imports(student):
    submission = student.submission
    if submission.path is None:
        return
    fail_on_imports(forbidden_imports(submission.code, local_modules(submission)))


@pytest.mark.run_last  # after every call into the submission: all its imports are known
@check("rules: imports nothing else while running (audited at run time)", points=0)
def check_run_time_imports(student):
    """The worker's import audit (grader.guard) saw every attempted import, also failed
    ones and computed names; the static scan above already named the constant ones."""
    submission = student.submission
    if submission.path is None:
        return
    local = local_modules(submission)
    static = {module for module, _ in forbidden_imports(submission.code, local)}
    found = []
    for record in submission.imports:
        if is_forbidden(record["module"], local) and record["module"] not in static:
            found.append((record["module"], record["line"]))
    fail_on_imports(sorted(set(found), key=lambda item: item[1]),
                    " (seen at run time: the name is computed or hidden from a plain reading)")


@check("rules: importing backprop.py trains nothing and prints nothing", points=0)
def check_import_is_quiet(student):
    info = student.info
    if not info["ok"]:
        return  # nothing was imported; the other checks report why
    calls = {name: count for name, count in info["training_calls"].items() if count}
    fail_unless(not calls, "importing backprop.py calls " + ", ".join(
        f"{name} {count} times" for name, count in calls.items())
        + ": put training code under `if __name__ == \"__main__\":` or in the notebook")
    output = info["output"].strip()
    fail_unless(not output, "importing backprop.py prints:\n  " + output[:300].replace(
        "\n", "\n  ") + "\nRemove top-level prints (keep them in functions or the notebook)")

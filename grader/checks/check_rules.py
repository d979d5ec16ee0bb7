"""The lab's rules. A broken rule sets the total to zero (grader.results.scoring)."""

from grader.intake.rules import describe, forbidden_imports
from grader.session.marker import check, fail_unless


@check("rules: imports only numpy, matplotlib and the standard library", points=0)
def check_imports(student):
    submission = student.submission
    if submission.path is None:
        return
    local = [p.stem for p in submission.path.parent.glob("*.py") if p != submission.path]
    found = forbidden_imports(submission.code, local)
    fail_unless(not found, "backprop.py imports " + "; ".join(
        f"{describe(module)} on line {line}" for module, line in found)
        + ". The lab allows only numpy, matplotlib and the standard library.")


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

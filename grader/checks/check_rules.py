"""The lab's rules. A forbidden import sets the total to zero (grader.results.scoring); an
import that trains, prints or draws a figure (a window, with a display) costs the points of
its own check only, also one that never finishes or raises (the definitions alone are
graded then: grader.session.fallback). That check runs last (conftest.py): its points
need a working function."""

import pytest

from grader.intake.rules import describe, forbidden_imports, is_forbidden, shadows_installed
from grader.session.fallback import rule_failure
from grader.session.marker import check, fail_unless


def scanned_sources(submission):
    """[(where, code)]: a notebook cell by cell (one cell that does not parse hides no
    other), else the whole file; then the student's own modules beside it."""
    if submission.notebook is not None:
        found = [(f" in {label}", code) for label, code in submission.notebook.code_cells]
    else:
        found = [("", submission.code)]
    for name in local_modules(submission):
        path = submission.path.parent / f"{name}.py"
        try:
            found.append((f" in {path.name}", path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return found


def local_modules(submission):
    """The submission's own modules beside it: a file named after an installed package
    (tqdm.py) is a shadow of that package, not one of them."""
    folder = submission.path.parent
    return [p.stem for p in sorted(folder.glob("*.py"))
            if p != submission.path and not p.is_symlink()
            and not shadows_installed(p.stem, folder)]


@check("rules: imports only numpy, matplotlib and the standard library", points=0)
def check_imports(student, note):
    submission = student.submission
    if submission.path is None:
        note("nothing to scan: there is no file to grade")
        return
    found = [f"{describe(module)}{where} on line {line}"
             for where, code in scanned_sources(submission)
             for module, line in forbidden_imports(code, local_modules(submission))]
    fail_unless(not found, f"{student.file_name} imports " + "; ".join(found)
                + ". The lab allows only numpy, matplotlib and the standard library.")
    if not student.info["ok"]:
        note(f"no forbidden import in the text; {student.file_name} itself could not be "
             "imported, so nothing else was checked")


@pytest.mark.run_last  # after every call into the submission: all its imports are known
@check("rules: imports nothing else while running (audited at run time)", points=0)
def check_run_time_imports(student, note):
    """The worker's import audit (grader.sandbox.guard) saw every attempted import, also
    failed ones and computed names; the static scan above already named the constant ones."""
    submission = student.submission
    if submission.path is None or student.worker is None:
        note("nothing ran: there is no file to grade")
        return
    local = local_modules(submission)
    static = {module for _, code in scanned_sources(submission)
              for module, _ in forbidden_imports(code, local)}
    # In the order attempted (an import the student asked for before those it made in
    # turn), then by line; each once.
    attempted = dict.fromkeys((record["module"], record["line"])
                              for record in student.worker.imports
                              if is_forbidden(record["module"], local)
                              and record["module"] not in static)
    found = sorted(attempted, key=lambda item: item[1])
    fail_unless(not found, f"{student.file_name} imports " + "; ".join(
        f"{describe(module)} on line {line}" for module, line in found)
        + " (seen at run time: the name is computed or hidden from a plain reading). The lab "
          "allows only numpy, matplotlib and the standard library.")
    if not student.info["ok"]:
        note(f"no forbidden import was attempted; {student.file_name} itself could not be "
             "imported, so little of it ran")


def drawn_at_import(figures):
    """"draws 2 figures and calls show() once" from the import report's figures ("" for none)."""
    counts = figures if isinstance(figures, dict) else {}
    opened, shown = (count if isinstance(count, int) else 0
                     for count in (counts.get("open", 0), counts.get("shown", 0)))
    parts = [f"draws {opened} figure{'s' * (opened != 1)}"] if opened else []
    if shown:
        parts.append("calls show()" + (" once" if shown == 1 else f" {shown} times"))
    return " and ".join(parts)


@check("rules: importing backprop.py trains nothing and prints nothing", points=2)
def check_import_is_quiet(student):
    info = student.require_import()
    fallback = student.graded_without_statements
    fail_unless(fallback is None, fallback and rule_failure(fallback, student.file_name))
    calls = {name: count for name, count in info["training_calls"].items() if count}
    threads = info.get("threads_at_import", 0)
    fail_unless(not calls and not threads, "importing backprop.py " + ", ".join(
        [f"calls {name} {count} times" for name, count in calls.items()]
        + ([f"starts {threads} thread{'s' * (threads != 1)}"] if threads else []))
        + ": put training code under `if __name__ == \"__main__\":` or in the notebook "
          "(this costs only this check's points)")
    output = info["output"].strip()
    fail_unless(not output, "importing backprop.py prints:\n  " + output[:300].replace(
        "\n", "\n  ") + "\nRemove top-level prints (keep them in functions or the notebook); "
                        "this costs only this check's points")
    windows = drawn_at_import(info.get("figures"))
    fail_unless(not windows, f"importing backprop.py {windows}: a window opens wherever it "
                "runs with a display. Put plotting under `if __name__ == \"__main__\":` or in "
                "the notebook (this costs only this check's points)")
    fail_unless(student.works_at_all(),
                "checked once a graded function returns correct values: a file of stubs "
                "imports quietly too, so this rule earns its points with working code only")

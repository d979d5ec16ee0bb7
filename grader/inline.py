"""Feedback inside the notebook: `from grader import check; check()` in a cell.

What is graded: the cells this kernel has run, in the order it ran them, as typed
(IPython's raw input history). They are assembled by the rules of a saved notebook
(grader/intake/notebook.py: definitions, imports and constants kept, a later definition
winning), so what is graded is what the kernel has defined, whether the notebook is
saved or not, and it works in Colab, where the notebook is no file beside the code. A
notebook that imports backprop gets the functions it does not define from the
backprop.py the kernel imported (or the one in its working directory; failing both, the
starter's given code, as for a notebook handed in alone).
`check(path="lab1.ipynb")` grades a saved file instead, exactly as `python -m grader`.

How: the cells are written as a notebook into a temp folder and `python -m grader`
grades it in a process of its own, so the checks, pytest and the grader's numpy never
load into the kernel, and the student's code runs in the grader's worker, never here.
The results come back as results.json and show as a table: HTML in Jupyter, VS Code and
Colab (`_repr_html_`), text anywhere else.

This module imports nothing of the grader but what it needs to start it: the kernel
stays as light and as unaffected as it was.
"""

import html
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.lab import NOTEBOOK_FILE, RULES, SUBMISSION_FILE
from grader.session.outcome import NOT_IMPLEMENTED

PACKAGE_PARENT = Path(__file__).resolve().parent.parent
IMPORTS_SCRIPT = re.compile(r"^\s*(import|from)\s+backprop\b", re.MULTILINE)
HIDDEN_GROUPS = ("report",)  # about a saved notebook's outputs: meaningless for the history
GRADER_TIMEOUT = 600  # seconds for the whole grade


class CheckError(Exception):
    """check() could not grade; the message says why, for the student."""


def check(function=None, path=None, timeout=None):
    """Grade this notebook's functions (in a separate grader process) and show the table.

    Args:
        function: a graded function's name ("backward") to show its checks only; None
            for every check.
        path: a saved notebook or backprop.py to grade instead of the kernel's cells.
        timeout: seconds one call into the code may take (the grader's --timeout).
    Returns:
        a Feedback, which Jupyter shows as an HTML table (print() gives the text).
    """
    try:
        with tempfile.TemporaryDirectory(prefix="grader-check-") as scratch:
            scratch = Path(scratch)
            submission, graded = (Path(path), f"{path}") if path else write_history(
                scratch / "submission")
            if not submission.exists():
                raise CheckError(f"no file {submission} (from the folder {Path.cwd()})")
            results = run_grader(submission, scratch / "out", timeout)
    except CheckError as error:
        return Feedback(error=str(error))
    hidden = () if path else HIDDEN_GROUPS
    return Feedback(results=results, only=function, graded=graded, hidden_groups=hidden)


# -- what to grade ----------------------------------------------------------------------------

def kernel_cells():
    """[(execution count, raw source)] of every cell this IPython kernel has run."""
    try:
        shell = get_ipython()  # noqa: F821 - a builtin inside IPython only
    except NameError:
        raise CheckError("check() grades the cells of a running notebook; outside one, "
                         "run `python -m grader` in a terminal, or name the file: "
                         "check(path=\"backprop.py\") or check(path=\"lab1.ipynb\")") from None
    history = shell.history_manager.input_hist_raw
    return [(count, source) for count, source in enumerate(history) if count and source]


def write_history(folder):
    """Write the kernel's cells as a notebook (with the backprop.py it imports) into
    folder; returns (the notebook's path, what is graded, for the report)."""
    folder.mkdir(parents=True)
    cells = [{"cell_type": "code", "execution_count": count, "metadata": {}, "outputs": [],
              "source": source} for count, source in kernel_cells()]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number}"
    target = folder / NOTEBOOK_FILE
    target.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    graded = "the cells run in this kernel"
    script = imported_script()
    if script is not None and any(IMPORTS_SCRIPT.search(cell["source"]) for cell in cells):
        (folder / SUBMISSION_FILE).write_bytes(script.read_bytes())
        here = Path.cwd().resolve()
        shown = script.relative_to(here) if script.is_relative_to(here) else script
        graded += f", and {shown} as it is on disk for what they import from it"
    return target, graded


def imported_script():
    """The backprop.py the kernel imported, else the one in the working directory."""
    module = sys.modules.get(Path(SUBMISSION_FILE).stem)
    candidates = [Path(getattr(module, "__file__", "") or "").resolve(),
                  Path.cwd().resolve() / SUBMISSION_FILE]
    return next((path for path in candidates if path.name == SUBMISSION_FILE and path.is_file()),
                None)


# -- grading ----------------------------------------------------------------------------------

def run_grader(submission, out, timeout):
    """results.json (as a dict) of `python -m grader submission`, run in a new process."""
    command = [sys.executable, "-m", "grader", str(submission.resolve()), "--out", str(out),
               "--json", str(out / "results.json")]
    if timeout is not None:
        command += ["--timeout", str(timeout)]
    env = {**os.environ, "MPLBACKEND": "Agg",  # not the kernel's inline backend
           "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_PARENT),
                                                        os.environ.get("PYTHONPATH")]))}
    try:
        completed = subprocess.run(command, cwd=out.parent, env=env, capture_output=True,
                                   text=True, encoding="utf-8", errors="replace",
                                   timeout=GRADER_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CheckError(f"the grader took over {GRADER_TIMEOUT} s") from None
    results_file = out / "results.json"
    if not results_file.is_file():
        detail = (completed.stderr or completed.stdout).strip()[-2000:]
        raise CheckError(f"the grader could not run (exit code {completed.returncode}):\n"
                         f"{detail}\nIs the lab installed in this Python "
                         f"({sys.executable})? See the README.")
    results = json.loads(results_file.read_text(encoding="utf-8"))
    if results.get("status") == "error":  # the grader failed: its message, and no table
        raise CheckError(results["output"])
    return results


# -- showing the results ----------------------------------------------------------------------

def group_of(test):
    return test["name"].split(":", 1)[0]


def is_rule(test):
    """A rule worth no points of its own: broken, it zeroes the total."""
    return group_of(test) == RULES and not test["max_score"]


def not_implemented(test):
    return test.get("extra_data", {}).get("kind") == NOT_IMPLEMENTED


def points(test):
    if is_rule(test):
        return "rule"
    if not test["max_score"]:
        return f"+{test['score']:g} bonus"
    return f"{test['score']:g}/{test['max_score']:g}"


def status(test):
    if test["status"] == "passed":
        return "ok"
    return "not implemented yet" if not_implemented(test) else "FAILED"


class Feedback:
    """What check() found: rich output in a notebook, the same as text with print()."""

    def __init__(self, results=None, only=None, graded="", hidden_groups=(), error=None):
        self.error, self.graded = error, graded
        tests = [t for t in (results or {}).get("tests", []) if t["visibility"] == "visible"
                 and group_of(t) not in hidden_groups]
        groups = list(dict.fromkeys(group_of(t) for t in tests))
        if only is not None and only not in groups and error is None:
            self.error = f"no checks of {only!r}; the functions checked are: {', '.join(groups)}"
        broken = [t for t in tests if is_rule(t) and t["status"] != "passed"]
        # A broken rule zeroes everything, so it shows whatever function was asked for.
        self.tests = [t for t in tests if only is None or group_of(t) == only] or tests
        self.tests = broken + [t for t in self.tests if t not in broken]
        output = (results or {}).get("output", "").splitlines()
        # The total, and what this system could not enforce (never silently dropped).
        self.headline = output[:1] + [line for line in output if line.startswith("Not enforced")]
        if only is not None:
            asked = [t for t in self.tests if group_of(t) == only]
            earned = sum(t["score"] for t in asked if t["max_score"])
            most = sum(t["max_score"] for t in asked)
            self.headline = [f"{only}: {earned:g} / {most:g}"] + self.headline
        self.passed = bool(self.tests) and all(t["status"] == "passed" for t in self.tests)

    @property
    def failed(self):
        """The failed checks that have a reason to show (not the unwritten functions)."""
        return [t for t in self.tests if t["status"] != "passed" and not not_implemented(t)]

    def unwritten(self):
        """The line naming the functions not implemented yet, or None."""
        names = list(dict.fromkeys(group_of(t) for t in self.tests
                                   if t["status"] != "passed" and not_implemented(t)))
        return f"Not implemented yet: {', '.join(names)}." if names else None

    def __str__(self):
        if self.error:
            return f"check(): {self.error}"
        width = max(len(t["name"]) for t in self.tests) if self.tests else 5
        lines = [f"{points(t):>9}  {t['name']:<{width}}  {status(t)}" for t in self.tests]
        lines += ["", *self.headline, f"Graded: {self.graded}"]
        for test in self.failed:
            lines += ["", f"{test['name']}:", *("  " + line for line in
                                                test["output"].strip().splitlines())]
        if self.unwritten():
            lines += ["", self.unwritten()]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self):
        if self.error:
            return f"<pre><b>check()</b>: {html.escape(self.error)}</pre>"
        rows = "".join(
            f"<tr style='background:{'#e8f5e9' if t['status'] == 'passed' else '#ffebee'}'>"
            f"<td style='text-align:right'>{html.escape(points(t))}</td>"
            f"<td style='text-align:left'>{html.escape(t['name'])}</td>"
            f"<td style='text-align:left'>{html.escape(status(t).lower())}</td>"
            "</tr>" for t in self.tests)
        diagnoses = "".join(
            f"<details open><summary><b>{html.escape(t['name'])}</b></summary>"
            f"<pre>{html.escape(t['output'].strip())}</pre></details>" for t in self.failed)
        if self.unwritten():
            diagnoses += f"<p>{html.escape(self.unwritten())}</p>"
        heading = "<br>".join(f"<b>{html.escape(line)}</b>" for line in self.headline)
        return (f"<div>{heading}<table><thead><tr><th>points</th><th>check</th><th></th>"
                f"</tr></thead><tbody>{rows}</tbody></table>"
                f"<p>Graded: {html.escape(self.graded)}</p>{diagnoses}</div>")

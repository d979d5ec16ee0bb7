"""Speed figures reported in README.md (medians of repeated runs on this machine).

    python benchmarks/speed.py [--repeats 5]

- training: the reference, 5000 epochs on the 100-point linear data, in process;
- grading: `python -m grader` end to end (a fresh process each time) on solution/,
  on starter/, and on a notebook holding the solution's functions and a training cell
  that would run for hours (never run: it is not a definition);
- the grader's overhead: grades of solution/ and starter/ against the same checks in
  one bare process (benchmarks/bare_checks.py), run in turn so that all see the same
  load, with the ratios of their medians to the bare checks' (the targets as ratios,
  since these machines' speed varies from hour to hour).

    python benchmarks/speed.py --comparison-only --repeats 9

- with --cpu, also the CPU seconds (user + system) of the same three, grader and
  worker together: a grade with --sandbox none there, so that its worker is a child the
  grader reaps and its time is counted. CPU time hardly depends on the machine's load,
  which wall time does (two processes handing requests back and forth wait for a core
  at every hand-over): on a busy machine, read the overhead from it.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR  # noqa: E402
from grader.sandbox.loading import import_file  # noqa: E402
from grader.session import datasets  # noqa: E402

# Bytecode caching as on a student's machine (some shells turn it off): otherwise every
# grade compiles the grader again, which the bare checks, one file, hardly pay.
ENVIRONMENT = {name: value for name, value in os.environ.items()
               if name != "PYTHONDONTWRITEBYTECODE"}


def run(command):
    subprocess.run(command, cwd=REPO_ROOT, check=True, capture_output=True, env=ENVIRONMENT)


def median_seconds(action, repeats):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def training(repeats):
    lab = import_file(SOLUTION_DIR / "backprop.py", "_benchmark_lab")
    x, y = datasets.load("linear")
    return median_seconds(
        lambda: lab.train(x, y, lab.init_params(seed=0), lr=1.0, epochs=5000, print_every=0),
        repeats)


def grading(submission, repeats):
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "grader", str(submission), "--out", out]
        run(command)  # warm-up: bytecode written, caches filled
        return median_seconds(lambda: run(command), repeats)


# The targets, from a quiet machine where the bare checks took 1.4 s: a grade of
# solution/ within 1.25 x the bare checks, and of starter/ within 1.0 s, that is within
# 1.0 / 1.4 = 0.71 x the bare checks measured in the same run.
SOLUTION_TARGET = 1.25
STARTER_TARGET = 1.0 / 1.4


def comparison(repeats):
    """{name: run times} of a grade of solution/, the bare checks and a grade of starter/,
    run in turn `repeats` times, so that all three see the same load."""
    bare = [sys.executable, str(Path(__file__).resolve().parent / "bare_checks.py")]
    times = {"solution": [], "bare": [], "starter": []}
    with tempfile.TemporaryDirectory() as out:
        commands = {"solution": [sys.executable, "-m", "grader", str(SOLUTION_DIR), "--out", out],
                    "bare": bare,
                    "starter": [sys.executable, "-m", "grader", str(STARTER_DIR), "--out", out]}
        for command in commands.values():
            run(command)  # warm-up: bytecode written, caches filled
        for _ in range(repeats):
            for name, command in commands.items():
                started = time.perf_counter()
                run(command)
                times[name].append(time.perf_counter() - started)
    return times


def print_comparison(repeats):
    times = comparison(repeats)
    median = {name: statistics.median(runs) for name, runs in times.items()}
    labels = {"solution": "grade solution/ (python -m grader solution)",
              "bare": "the same checks, one bare process (bare_checks.py)",
              "starter": "grade starter/ (python -m grader starter)"}
    print(f"in turn, {repeats} rounds")
    for name, label in labels.items():
        print(f"{median[name]:8.3f} s  {label}   [{', '.join(f'{t:.3f}' for t in times[name])}]")
    print(f"   solution / bare {median['solution'] / median['bare']:.2f}  "
          f"(target: at most {SOLUTION_TARGET:.2f})")
    print(f"   starter / bare  {median['starter'] / median['bare']:.2f}  "
          f"(target: at most {STARTER_TARGET:.2f}, i.e. 1.0 s where the bare checks take 1.4 s)")


def cpu_seconds(command):
    """User + system CPU seconds of command and the children it reaped."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run(command)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def print_cpu(repeats):
    """The CPU seconds of a grade of solution/ and starter/ (grader and worker) and of the
    bare checks, run in turn, with their ratios."""
    bare = [sys.executable, str(Path(__file__).resolve().parent / "bare_checks.py")]
    seconds = {"solution": [], "bare": [], "starter": []}
    with tempfile.TemporaryDirectory() as out:
        commands = {name: [sys.executable, "-m", "grader", str(folder), "--out", out,
                           "--sandbox", "none"]
                    for name, folder in (("solution", SOLUTION_DIR), ("starter", STARTER_DIR))}
        commands["bare"] = bare
        for command in commands.values():
            run(command)  # warm-up
        for _ in range(repeats):
            for name in seconds:
                seconds[name].append(cpu_seconds(commands[name]))
    median = {name: statistics.median(values) for name, values in seconds.items()}
    print(f"CPU seconds (user + system, grader and worker; --sandbox none), {repeats} rounds")
    for name in seconds:
        print(f"{median[name]:8.3f} s  {name}   [{', '.join(f'{t:.3f}' for t in seconds[name])}]")
    print(f"   solution / bare {median['solution'] / median['bare']:.2f}   "
          f"starter / bare {median['starter'] / median['bare']:.2f}")


def notebook_submission(folder):
    """A notebook with the solution's functions, then a training cell of 10**9 epochs."""
    import nbformat

    source = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    cells = ["%matplotlib inline", source,
             "x, y = generate_XOR_easy()\nparams, losses = train(x, y, init_params(), "
             "epochs=10**9)", "show_learning_curve(losses)"]
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(cell) for cell in cells])
    path = Path(folder) / "lab1.ipynb"
    nbformat.write(notebook, str(path))
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--comparison-only", action="store_true",
                        help="only the grades against the bare checks")
    parser.add_argument("--cpu", action="store_true",
                        help="also their CPU seconds, grader and worker together")
    args = parser.parse_args()
    repeats = args.repeats
    if args.comparison_only:
        print_comparison(repeats)
        if args.cpu:
            print_cpu(repeats)
        return
    with tempfile.TemporaryDirectory() as folder:
        rows = [
            ("train the reference, 5000 epochs, linear data", training(repeats)),
            ("grade solution/ (python -m grader solution)", grading(SOLUTION_DIR, repeats)),
            ("grade starter/ (python -m grader)", grading(STARTER_DIR, repeats)),
            ("grade a notebook with a 10**9-epoch training cell",
             grading(notebook_submission(folder), repeats)),
        ]
    print(f"median of {repeats} runs")
    for label, (median, times) in rows:
        spread = ", ".join(f"{t:.3f}" for t in times)
        print(f"{median:8.3f} s  {label}   [{spread}]")
    print_comparison(repeats)
    if args.cpu:
        print_cpu(repeats)


if __name__ == "__main__":
    main()

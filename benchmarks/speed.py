"""Speed figures reported in README.md (medians of repeated runs on this machine).

    python benchmarks/speed.py [--repeats 5]

- training: the reference, 5000 epochs on the 100-point linear data, in process;
- grading: `python -m grader` end to end (a fresh process each time) on solution/,
  on starter/, and on a notebook holding the solution's functions and a training cell
  that would run for hours (never run: it is not a definition);
- the grader's overhead: a grade of solution/ against the same checks in one bare
  process (benchmarks/bare_checks.py), run alternately so that both see the same load,
  with the ratio of their medians.

    python benchmarks/speed.py --comparison-only --repeats 9
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


def cpu_seconds():
    """CPU time (user + system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def comparison(repeats):
    """(median grade, median bare, ratio, grade times, bare times, median CPU seconds of a
    grade and of the bare checks), runs alternating."""
    bare = [sys.executable, str(Path(__file__).resolve().parent / "bare_checks.py")]
    grades, bares, cpu = [], [], {"grade": [], "bare": []}
    with tempfile.TemporaryDirectory() as out:
        grade = [sys.executable, "-m", "grader", str(SOLUTION_DIR), "--out", out]
        run(grade)  # warm-up: bytecode written, caches filled
        for _ in range(repeats):
            for name, command, times in (("grade", grade, grades), ("bare", bare, bares)):
                started, cpu_started = time.perf_counter(), cpu_seconds()
                run(command)
                times.append(time.perf_counter() - started)
                cpu[name].append(cpu_seconds() - cpu_started)
    graded, baseline = statistics.median(grades), statistics.median(bares)
    return (graded, baseline, graded / baseline, grades, bares,
            statistics.median(cpu["grade"]), statistics.median(cpu["bare"]))


def print_comparison(repeats):
    graded, baseline, ratio, grades, bares, graded_cpu, baseline_cpu = comparison(repeats)
    print(f"alternating, {repeats} pairs")
    print(f"{graded:8.3f} s  grade solution/ (python -m grader solution)   "
          f"[{', '.join(f'{t:.3f}' for t in grades)}]")
    print(f"{baseline:8.3f} s  the same checks, one bare process (bare_checks.py)   "
          f"[{', '.join(f'{t:.3f}' for t in bares)}]")
    print(f"   ratio {ratio:.2f}  (target: at most 1.25); CPU seconds, all processes: "
          f"grade {graded_cpu:.2f}, bare {baseline_cpu:.2f}")


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
                        help="only the grade against the bare checks, and starter/")
    args = parser.parse_args()
    repeats = args.repeats
    if args.comparison_only:
        print_comparison(repeats)
        median, times = grading(STARTER_DIR, repeats)
        print(f"{median:8.3f} s  grade starter/ (python -m grader)   "
              f"[{', '.join(f'{t:.3f}' for t in times)}]")
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


if __name__ == "__main__":
    main()

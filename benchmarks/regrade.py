"""Regrade speed and memory, as reported in README.md.

    python benchmarks/regrade.py [--count 100] [--jobs 1 2] [--sandbox none bwrap]

Builds a class of `count` submissions (half copies of the solution, half mutants from
tests/submissions/mutants.py), regrades it once per --jobs value and --sandbox mode (the
modes one after the other, in the same run), and prints the wall time, the throughput,
the largest resident memory of any worker (sampled every 20 ms from /proc, VmHWM), and
for each mode its time as a ratio of the first mode's.
"""

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.paths import SOLUTION_DIR  # noqa: E402
from grader.sandbox.bwrap import ENTRY as ENTRY_INSIDE  # noqa: E402
from grader.sandbox.launch import ENTRY as WORKER  # noqa: E402
from tests.submissions.mutants import MUTANTS, mutant_source  # noqa: E402


def build_class(folder, count):
    solution = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    for index in range(count):
        source = solution if index % 2 == 0 else mutant_source(MUTANTS[index // 2 % len(MUTANTS)])
        student = folder / f"student{index:03d}"
        student.mkdir()
        (student / "backprop.py").write_text(source, encoding="utf-8")


def worker_peak_mb(stop, peaks):
    """Sample every worker's VmHWM (peak resident memory) until stop is set."""
    markers = (str(WORKER).encode(), ENTRY_INSIDE.encode())
    while not stop.is_set():
        for proc in Path("/proc").iterdir():
            try:
                cmdline = (proc / "cmdline").read_bytes()
                program = cmdline.partition(b"\0")[0]  # bwrap's own line names worker.py too
                if not program.endswith(b"bwrap") and any(m in cmdline for m in markers):
                    status = (proc / "status").read_text()
                    kb = int(status.split("VmHWM:")[1].split()[0])
                    peaks.append(kb / 1024)
            except (OSError, IndexError, ValueError):
                continue
        time.sleep(0.02)


def regrade(folder, jobs, sandbox):
    peaks, stop = [], threading.Event()
    sampler = threading.Thread(target=worker_peak_mb, args=(stop, peaks))
    sampler.start()
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader", "regrade", str(folder), "--out", out,
                        "--jobs", str(jobs), "--sandbox", sandbox, "--no-progress"],
                       cwd=ROOT, check=True,
                       capture_output=True)
        elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    return elapsed, max(peaks, default=0.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sandbox", nargs="+", default=["none", "bwrap"],
                        choices=["none", "bwrap", "auto"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        build_class(Path(folder), args.count)
        for jobs in args.jobs:
            baseline = None
            for sandbox in args.sandbox:
                elapsed, peak = regrade(Path(folder), jobs, sandbox)
                baseline = baseline or elapsed
                print(f"--jobs {jobs} --sandbox {sandbox}: {args.count} submissions in "
                      f"{elapsed:.1f} s ({args.count / elapsed:.2f} per s, "
                      f"{elapsed / baseline:.2f} x --sandbox {args.sandbox[0]}), "
                      f"largest worker {peak:.0f} MB")


if __name__ == "__main__":
    main()

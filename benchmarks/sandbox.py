"""The sandbox's cost per submission in a regrade, as reported in README.md.

    python benchmarks/sandbox.py [--rounds 10] [--calls 20]

Starts the two kinds of zygote a regrade uses (grader.regrade.run.Zygotes): the shared
one of process isolation and a sandboxed one (bubblewrap); then, alternating between
them, grades-in-miniature the solution: a worker forked for it, the import, `--calls`
calls, the close (with the sandbox: the kill by the zygote and the scrub of its scratch
space). Prints the median of each and their ratio, measured in the same run.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from grader.intake.prepare import Prepared  # noqa: E402
from grader.paths import SOLUTION_DIR  # noqa: E402
from grader.regrade.run import Zygotes  # noqa: E402
from grader.sandbox import bwrap as sandbox  # noqa: E402
from grader.sandbox import processes  # noqa: E402
from grader.sandbox.handle import WorkerHandle  # noqa: E402

MODES = (sandbox.PROCESS, sandbox.BWRAP)


def one_submission(zygotes, isolation, calls):
    """Seconds for one submission's worker: fork, import, `calls` calls, close."""
    started = time.perf_counter()
    socket = zygotes.socket(0)
    into = sandbox.work_folder(socket) if isolation == sandbox.BWRAP else None
    with Prepared(SOLUTION_DIR, into) as prepared, \
            WorkerHandle(prepared.path, zygote=socket, isolation=isolation) as worker:
        worker.load()
        for _ in range(calls):
            worker.request("call", function="sigmoid", args=[np.zeros((5, 1))])
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    reason = sandbox.unavailable_reason()
    if reason:
        parser.exit(1, f"bubblewrap cannot run here: {reason}\n")
    processes.become_subreaper()
    times = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as folder:
        zygotes = {}
        for mode in MODES:
            (Path(folder) / mode).mkdir()
            zygotes[mode] = Zygotes(mode, 1, Path(folder) / mode)
        try:
            for round_number in range(args.rounds + 1):  # the first round warms up
                for mode in MODES:
                    seconds = one_submission(zygotes[mode], mode, args.calls)
                    if round_number:
                        times[mode].append(seconds)
        finally:
            for pool in zygotes.values():
                pool.close()
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    for mode in MODES:
        print(f"{mode}: median {medians[mode]:.3f} s per submission "
              f"(fork, import, {args.calls} calls, close; {args.rounds} rounds)")
    print(f"sandbox / process: {medians[sandbox.BWRAP] / medians[sandbox.PROCESS]:.2f}")


if __name__ == "__main__":
    main()

"""The script every sandbox process starts from (grader.sandbox.launch runs it).

    python -I entry.py worker         serve one submission on stdin/stdout
    python -I entry.py zygote PATH    fork a worker for every connection to the socket PATH
    python -s entry.py zygote-fd FD   the same on the listening socket inherited as FD
                                      (a sandboxed zygote, grader.sandbox.bwrap)

The grader package is put on the path for its import only, then taken off again, so the
submission cannot reach the repository through it.
"""

import sys
from pathlib import Path


def main(argv):
    if argv[:1] in (["zygote"], ["zygote-fd"]) and len(argv) == 2:
        from grader.sandbox.zygote import zygote

        del sys.path[0]
        zygote(int(argv[1]) if argv[0] == "zygote-fd" else argv[1])
    elif argv == ["worker"]:
        import os

        from grader.sandbox.worker import preload, serve

        del sys.path[0]
        preload()  # before the submission's import, so its profile stays cheap
        serve(os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb"))
    else:
        raise SystemExit(f"usage: entry.py worker | zygote PATH | zygote-fd FD (got {argv})")


if __name__ == "__main__":
    sys.path[0] = str(Path(__file__).resolve().parents[2])
    main(sys.argv[1:])

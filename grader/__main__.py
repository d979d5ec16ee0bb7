import os
import sys

from grader.sandbox.launch import ONE_BLAS_THREAD

# Before anything imports numpy, which reads these once; a setting of the user's stands.
for name, value in ONE_BLAS_THREAD.items():
    os.environ.setdefault(name, value)

from grader.cli import main  # noqa: E402

# A Windows console's code page cannot show every character a feedback may quote.
for stream in (sys.stdout, sys.stderr):
    stream.reconfigure(errors="backslashreplace")
code = main() or 0
# Every file is written and closed by now, the worker ended: skip the interpreter's
# teardown of numpy's and pytest's modules, a tenth of a second of every grade.
try:
    sys.stdout.flush()
    sys.stderr.flush()
except OSError:  # a reader that went away (python -m grader | head)
    code = code or 1
os._exit(code)

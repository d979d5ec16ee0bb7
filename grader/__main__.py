import sys

from grader.cli import main

# A Windows console's code page cannot show every character a feedback may quote.
for stream in (sys.stdout, sys.stderr):
    stream.reconfigure(errors="backslashreplace")
sys.exit(main())

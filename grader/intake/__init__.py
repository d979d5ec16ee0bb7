"""Reading a submission: its archives unpacked without trusting them (`archives`, opened
into a folder by `handin`), which file is graded (`locate`), a .py's encoding
(`encoding`), a notebook turned into the module of its definitions (`notebook`), each
cell read as IPython reads it (`cells`), a .py's definitions only for a re-import of a
file whose import did not finish or raised (`definitions`), the folder copied and made
ready (`prepare`), and the static scan of its imports (`rules`). Nothing here runs
student code.

May import: grader.lab, grader.paths, grader.options. Knows nothing of pytest or of the
sandbox.
"""

"""The check session: the pytest plugin (`plugin`) that turns grader/checks/ into a
grading run, the `@check` marker (`marker`), the checks' view of a submission
(`student`), the reference answers (`reference`), the fixed inputs and data (`cases`,
`datasets`), gradient checking (`gradcheck`), the naming of known mistakes
(`diagnosis`) and the re-import of a file's definitions when its import does not finish or raises
(`fallback`).

May import: grader.sandbox, grader.intake, and the floor below them (lab, paths,
options). The checks (grader/checks/, grader/hidden/) import this package.
"""

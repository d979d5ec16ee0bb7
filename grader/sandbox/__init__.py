"""The sandbox: student code runs here, in worker processes, never in the grader's.

`launch` starts a worker (or a zygote that forks them) from `entry`; `worker` imports
the submission and answers requests with plain numbers and float64 arrays (`protocol`),
drawing figures with `figures`; `handle` is the grader's side of one running worker
(timeouts, restarts, kills); `processes` holds the limits and the killing of strays.

May import: grader.lab, grader.paths, grader.options. Knows nothing of pytest, of the
checks or of how a submission was found (grader.intake).
"""

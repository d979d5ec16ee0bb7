"""From the checks' results to a score: one pure function, `score`.

The check session (grader.session.plugin) gives one CheckResult per check that ran,
with its group, kind and points; this module only adds up, counting the bonus as the
course's setting (grader.lab.BONUS) says.
"""

from dataclasses import dataclass, field

from grader import lab
from grader.lab import BONUS_POLICIES, RULES
from grader.sandbox.bwrap import PROCESS


@dataclass(frozen=True)
class Results:
    checks: tuple  # CheckResults, in the order the checks ran
    score: float  # core + the bonus points that count (counted_bonus)
    max_score: float
    broken_rules: tuple  # CheckResults of the rules that were broken
    execution_time: float
    graded: str = ""  # which file was graded, and why
    code: str = ""  # the code submitted (all of a notebook's code cells)
    import_error: str = ""  # why the submission could not be imported, in full ("" if it was)
    file: str = ""  # absolute path of the file graded ("" when there was none)
    isolation: str = PROCESS  # what kept the submission apart: "bwrap" or "process"
    not_enforced: tuple = ()  # isolation limits this platform could not enforce
    # How the bonus counted in score: one of grader.lab.BONUS_POLICIES.
    policy: str = field(default_factory=lambda: lab.BONUS)
    notes: tuple = ()  # (kind, sentence) about the hand-in a TA should review (intake)

    @property
    def bonus(self):
        """Points earned by bonus checks (what of them counts in score: counted_bonus)."""
        return 0 if self.broken_rules else sum(c.score for c in self.checks if c.bonus)

    @property
    def core(self):
        """Points of the graded (not bonus) checks."""
        return 0 if self.broken_rules else sum(c.score for c in self.checks if not c.bonus)

    @property
    def counted_bonus(self):
        """The bonus points that count in score."""
        return self.score - self.core

    def counted_scores(self):
        """Each check's points as they count in score, in the order of checks: 0 for every
        check when a rule is broken; the bonus checks' points, in their order, only as far
        as counted_bonus goes. They add up to score (an output that sums its tests)."""
        left, counted = self.counted_bonus, []
        for check in self.checks:
            points = 0 if self.broken_rules else check.score
            if check.bonus:
                points = min(points, left)
                left -= points
            counted.append(points)
        return tuple(counted)

    def groups(self):
        """{group: (score, max_score)} in the order the groups first appear."""
        totals = {}
        for result in self.checks:
            score, max_score = totals.get(result.group, (0.0, 0.0))
            totals[result.group] = (score + result.score, max_score + result.max_score)
        return totals


def counted_bonus(core, bonus, maximum, policy=None, limit=None):
    """Of `bonus` points earned beside `core` out of `maximum`, those that count.

    policy (default: the course's, grader.lab.BONUS): "extra" counts them all, above the
    maximum; "cap" only those that make up points lost, so core + bonus <= maximum.
    limit: at most this many count, whatever the policy (a regrade's --bonus-cap).
    """
    policy = lab.BONUS if policy is None else policy
    if policy not in BONUS_POLICIES:
        raise ValueError(f"unknown bonus policy {policy!r} (grader/lab.py BONUS): use one of "
                         f"{', '.join(BONUS_POLICIES)}")
    counted = bonus if limit is None else min(bonus, limit)
    if policy == "cap":
        counted = min(counted, max(maximum - core, 0))
    return counted


def score(checks, execution_time=0.0, graded="", code="", import_error="", file="",
          isolation=None, not_enforced=(), policy=None, notes=()):
    """Results of the CheckResults of one grading session.

    A broken rule (a failed check of the group "rules" worth no points: the imports) sets
    the total to zero; a rule worth points (a quiet import) costs only those. Bonus checks
    add nothing to the maximum; their points count as `policy` says (counted_bonus).
    """
    checks = tuple(checks)
    policy = lab.BONUS if policy is None else policy
    broken = tuple(c for c in checks if c.group == RULES and not c.passed and not c.max_score)
    core = 0 if broken else sum(c.score for c in checks if not c.bonus)
    bonus = 0 if broken else sum(c.score for c in checks if c.bonus)
    maximum = sum(c.max_score for c in checks)
    return Results(
        checks=checks,
        score=core + counted_bonus(core, bonus, maximum, policy),
        max_score=maximum,
        broken_rules=broken,
        execution_time=round(execution_time, 3),
        graded=graded,
        code=code,
        import_error=import_error,
        file=file,
        isolation=isolation or PROCESS,
        not_enforced=tuple(not_enforced),
        policy=policy,
        notes=tuple(tuple(note) for note in notes),
    )

"""From a pytest-json-report report to a score: one pure function, `score_report`.

The checks put their name, points, visibility and feedback in each test's metadata
(grader.plugin); this module only reads them back and adds up.
"""

from dataclasses import dataclass

RULES = "rules"
NOT_IMPLEMENTED = "not implemented yet"


@dataclass(frozen=True)
class CheckResult:
    name: str
    score: float
    max_score: float
    passed: bool
    output: str
    visibility: str
    not_implemented: bool = False
    internal_error: bool = False

    @property
    def group(self):
        """The contract function (or "rules", "convergence") the check belongs to."""
        return self.name.split(":", 1)[0]


@dataclass(frozen=True)
class Results:
    checks: tuple
    score: float
    max_score: float
    broken_rules: tuple  # CheckResults of the rules that were broken
    execution_time: float
    graded: str = ""  # which file was graded, and why
    code: str = ""  # the code submitted (all of a notebook's code cells)
    not_enforced: tuple = ()  # isolation limits this platform could not enforce

    @property
    def bonus(self):
        """Points earned by bonus checks (included in score)."""
        return 0 if self.broken_rules else sum(c.score for c in self.checks if not c.max_score)

    def groups(self):
        """{group: (score, max_score)} in the order the groups first appear."""
        totals = {}
        for result in self.checks:
            score, max_score = totals.get(result.group, (0.0, 0.0))
            totals[result.group] = (score + result.score, max_score + result.max_score)
        return totals


def _check_result(test):
    metadata = test.get("metadata", {})
    passed = test["outcome"] == "passed"
    points = metadata["points"]
    return CheckResult(
        name=metadata["name"],
        score=points if passed else 0,
        max_score=0 if metadata.get("bonus") else points,
        passed=passed,
        output=metadata.get("feedback", "" if passed else f"check {test['outcome']}"),
        visibility=metadata["visibility"],
        not_implemented=metadata.get("not_implemented", False),
        internal_error=metadata.get("internal_error", False),
    )


def score_report(report):
    """Results of a pytest-json-report report dict of a grading session.

    A broken rule (a failed "rules: ..." check) sets the total to zero. Bonus checks add
    their points to the score and nothing to the maximum.
    """
    # A skipped check (an optional bonus not written) is left out altogether.
    checks = tuple(_check_result(test) for test in report.get("tests", [])
                   if "name" in test.get("metadata", {}) and test["outcome"] != "skipped")
    broken = tuple(c for c in checks if c.group == RULES and not c.passed)
    score = 0 if broken else sum(c.score for c in checks)
    return Results(
        checks=checks,
        score=score,
        max_score=sum(c.max_score for c in checks),
        broken_rules=broken,
        execution_time=round(report.get("duration", 0.0), 3),
        graded=report.get("submission", {}).get("graded", ""),
        code=report.get("submission", {}).get("code", ""),
        not_enforced=tuple(report.get("submission", {}).get("not_enforced", ())),
    )

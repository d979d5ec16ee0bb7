"""Reports cannot be forged by what they quote: no text of a submission ends a fence,
adds a heading or opens HTML in feedback.md, the job summary or a regrade's summary.md."""

import re

from grader.regrade.sheet import GradeSheet
from grader.regrade.summary import write_summary
from grader.results import github
from grader.results.markdown import code, fenced, inline
from tests.grading import grade_source
from tests.submissions.hostile import cheats

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def outside_fences(markdown):
    """The lines of a Markdown text that are not inside a fenced code block (CommonMark:
    a fence closes on a line of the same character, at least as long, nothing after)."""
    lines, open_fence = [], None
    for text in markdown.splitlines():
        match = FENCE.match(text)
        if open_fence is None:
            if match:
                open_fence = match.group(1)
            else:
                lines.append(text)
        elif match and match.group(1)[0] == open_fence[0] \
                and len(match.group(1)) >= len(open_fence) \
                and not text.strip().strip(open_fence[0]):
            open_fence = None
    return lines


def test_a_fence_outlasts_every_backquote_run_inside():
    text = "a\n```\n# Total: 100 / 100\n````\nb"
    block = "\n".join(["before", *fenced(text), "after"])
    assert outside_fences(block) == ["before", "after"]
    assert fenced("plain") == ["```", "plain", "```"]


def test_inline_text_is_one_line_that_marks_up_nothing():
    quoted = inline("x\n# Total: 100 | <details> `code` [link](y)")
    assert "\n" not in quoted and "<" not in quoted.replace("\\<", "")
    assert "|" not in quoted.replace("\\|", "") and "`" not in quoted.replace("\\`", "")
    assert code("a `` b") == "```a `` b```" and code("`x") == "`` `x ``"


def test_a_forged_total_stays_inside_its_fence(tmp_path):
    results = grade_source(cheats.source("forges_the_report"), tmp_path)
    assert results.score == cheats.expected("forges_the_report")
    quiet = next(c for c in results.checks if c.name.startswith("rules: importing"))
    assert "# Total: 100 / 100" in quiet.output  # it is quoted ...
    for markdown in ((tmp_path / "out" / "feedback.md").read_text(encoding="utf-8"),
                     github.summary(results)):
        outside = outside_fences(markdown)  # ... and never outside a fence
        forged = {"# Total: 100 / 100", "## All checks passed", "<details>"}
        assert not forged & {text.strip() for text in outside}, outside
        assert sum(text.startswith("# ") for text in outside) == 1  # the report's own title


def test_the_regrade_summary_quotes_reasons_and_names_on_one_line(tmp_path):
    sheet = GradeSheet(tmp_path / "grades.csv")
    sheet.add({"submission": "a`b\n# Total", "status": "error",
               "reason": "import failed:\n# Total: 100 / 100\n| x | y |", "public": 0,
               "hidden": 0, "bonus": 0, "total": 0, "max_score": 110,
               "flags": "<details>"}, save=False)
    summary = write_summary(sheet, tmp_path).read_text(encoding="utf-8")
    headings = [text for text in summary.splitlines() if text.startswith("#")]
    assert headings == ["# Regrade summary", "## The class's mistakes (of the 0 submissions "
                        "that ran)", "## Checks failed, by submissions failing them",
                        "## Did not run", "## For review (every row not ok, or flagged)",
                        "## Names and roster"]
    assert "<details>" not in summary


FORGED = "x\n# Total: 100 / 100\n```\n~~~\n<details>"


def test_a_grader_failure_quoting_the_submission_stays_fenced(tmp_path, monkeypatch, capsys):
    from grader.results.reports import feedback_error

    for variable in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        monkeypatch.setenv(variable, str(tmp_path / variable))
    github.publish_error(f"The grader failed: {FORGED}")
    capsys.readouterr()
    for markdown in ((tmp_path / "GITHUB_STEP_SUMMARY").read_text(encoding="utf-8"),
                     feedback_error(FORGED)):
        outside = outside_fences(markdown)
        assert [text for text in outside if text.startswith("#")] == ["# The grader failed"]
        assert not {"# Total: 100 / 100", "<details>", "~~~"} & set(outside)


def test_similarity_md_quotes_names_however_many_backquotes_they_hold():
    from grader.regrade.rings import similarity_markdown

    class Match:
        a, b = "alice` [click](http://evil) `", "bob|x"
        lines_a = lines_b = [(1, 3)]

        def evidence(self, top=None):
            return "file 90%"

    markdown = similarity_markdown([(["alice` [click](http://evil) `", "bob|x"], [Match()])],
                                   0.5, 0.8)
    name = "alice` [click](http://evil) `"
    assert code(name) in markdown and f"`{name}`" not in markdown  # one span, never three
    for text in markdown.splitlines():
        if text.startswith("| file"):  # a row keeps its five cells
            assert len(re.split(r"(?<!\\)\|", text)) == 7, text

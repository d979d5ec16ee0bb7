"""The grader end to end: reference, starter, determinism, output formats, command line."""

import json
import subprocess
import sys

import pytest

from grader.grade import grade
from grader.lab import GROUPS
from grader.paths import REPO_ROOT, SOLUTION_DIR, STARTER_DIR
from grader.results import reports
from tests.grading import bonus_total

BONUS_FUNCTIONS = ("tanh", "relu", "momentum_update", "adam_update")
CONTRACT_FUNCTIONS = ("sigmoid", "derivative_sigmoid", "loss", "derivative_loss", "forward",
                      "backward", "update", "show_result", "show_learning_curve")


@pytest.fixture(scope="module")
def solution_results(graded):
    return graded(SOLUTION_DIR)


@pytest.fixture(scope="module")
def starter_results(graded):
    return graded(STARTER_DIR)


def test_reference_scores_full_marks(solution_results):
    failed = [(c.name, c.output) for c in solution_results.checks if not c.passed]
    assert failed == []
    assert solution_results.max_score == 100 and solution_results.bonus == 4
    assert solution_results.score == bonus_total(100, 100, 4)


def test_every_contract_function_earns_points_on_its_own(solution_results):
    groups = solution_results.groups()
    for function in CONTRACT_FUNCTIONS:
        assert groups[function][1] > 0, function
    for function in BONUS_FUNCTIONS:
        assert groups[function] == (1, 0), function
    assert list(groups) == [g for g in GROUPS if g in groups]


def test_check_names_begin_with_their_function(solution_results):
    allowed = set(CONTRACT_FUNCTIONS) | {"rules", "convergence"} | set(BONUS_FUNCTIONS)
    for check in solution_results.checks:
        assert check.group in allowed and check.name.startswith(check.group + ": "), check.name


def test_gradient_checks_carry_the_most_points(solution_results):
    groups = solution_results.groups()
    assert groups["backward"][1] == max(max_score for _, max_score in groups.values())


def test_starter_scores_zero_and_says_not_implemented(starter_results):
    assert starter_results.score == 0 and starter_results.max_score == 100
    assert not {c.group for c in starter_results.checks} & set(BONUS_FUNCTIONS)  # stubs skip
    for check in starter_results.checks:
        if check.group != "rules":
            assert not check.passed and check.output == "not implemented yet", check.name
            assert check.not_implemented


def test_grading_three_times_gives_identical_results(tmp_path, solution_results):
    runs = [solution_results, grade(SOLUTION_DIR, out_dir=tmp_path / "2"),
            grade(SOLUTION_DIR, out_dir=tmp_path / "3")]
    outputs = [reports.gradescope(results) for results in runs]
    for output in outputs:
        output.pop("execution_time")
    assert outputs[0] == outputs[1] == outputs[2]


def test_figures_and_results_are_written(tmp_path):
    grade(SOLUTION_DIR, out_dir=tmp_path, keyword="check_result or check_curve")
    assert (tmp_path / "show_result.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "show_learning_curve.png").read_bytes().startswith(b"\x89PNG")
    results = json.loads((tmp_path / "results.json").read_text())
    assert {t["name"].split(":")[0] for t in results["tests"]} == {
        "show_result", "show_learning_curve"}
    assert "Grading feedback" in (tmp_path / "feedback.md").read_text()


def test_gradescope_results_have_the_documented_fields(starter_results):
    results = reports.gradescope(starter_results)
    assert set(results) >= {"score", "execution_time", "tests"}
    for test in results["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output", "visibility",
                             "extra_data"}
        assert test["status"] in ("passed", "failed")
        group = test["name"].split(":")[0]
        # The starter's stubs are not implemented; its quiet import earns nothing while no
        # function works, which is a plain failure.
        expected_kind = ("passed" if test["status"] == "passed"
                         else "failed" if group == "rules" else "not_implemented")
        assert test["extra_data"] == {"group": group, "kind": expected_kind}
        assert test["visibility"] == "visible"


def test_classroom_result_sums_to_the_score(solution_results, starter_results):
    for results in (solution_results, starter_results):
        result = reports.classroom(results)
        assert result["version"] == 1 and result["max_score"] == 100
        assert sum(t["score"] for t in result["tests"]) == results.score
        assert {"name", "status", "score", "message"} <= set(result["tests"][0])


def run_cli(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_command_line_prints_the_table_and_writes_json(tmp_path):
    result = run_cli("starter", "--json", str(tmp_path / "r.json"), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Total: 0 / 100" in result.stdout and "not implemented yet" in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0


def test_fail_under_sets_the_exit_code(tmp_path):
    # The starter scores 0 on any selection of checks: its sigmoid checks are enough.
    assert run_cli("starter", "--out", str(tmp_path), "-k", "sigmoid",
                   "--fail-under", "50").returncode == 1


def test_a_missing_submission_is_a_zero_with_a_message(tmp_path):
    result = run_cli(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "Total: 0 / 100" in result.stdout and "no file" in result.stdout


def test_a_wrong_bonus_costs_nothing_of_the_100(tmp_path):
    from tests.grading import grade_source, solution_source

    source = solution_source().replace("    return np.tanh(x)\n", "    return 2 * np.tanh(x)\n")
    results = grade_source(source, tmp_path)
    tanh = next(c for c in results.checks if c.group == "tanh")
    assert not tanh.passed and "tanh gives wrong values" in tanh.output
    assert results.max_score == 100 and results.bonus == 3
    assert results.score == bonus_total(100, 100, 3)


def test_a_plot_that_fails_leaves_no_picture_of_an_earlier_grade(tmp_path):
    out = tmp_path / "out"
    grade(SOLUTION_DIR, out_dir=out, keyword="result")
    assert (out / "show_result.png").is_file()
    broken = tmp_path / "broken"
    broken.mkdir()
    source = (SOLUTION_DIR / "backprop.py").read_text(encoding="utf-8")
    (broken / "backprop.py").write_text(source.replace(
        "def show_result(x, y, pred_y):\n", "def show_result(x, y, pred_y):\n"
        "    raise RuntimeError('broken plot')\n", 1), encoding="utf-8")
    results = grade(broken, out_dir=out, keyword="result")
    assert not any(c.passed for c in results.checks if c.group == "show_result")
    assert not (out / "show_result.png").exists()


# -- an import that does not finish: the definitions are graded, the quiet rule says why --

QUIET_RULE = "rules: importing backprop.py trains nothing and prints nothing"
TRAINING = "params, losses = train(x, y, init_params(), epochs=10 ** 6)"


def graded_with(tail, tmp_path, source=None, **options):
    """Results of the solution (or source) with `tail` added at its end, the import's
    timeout 3 s; and the line `tail` starts on."""
    from tests.grading import grade_source, solution_source

    source = (source or solution_source()).rstrip("\n") + "\n\n\n"
    first_line = source.count("\n") + 1
    return grade_source(source + tail, tmp_path, timeout=3, **options), first_line


def assert_graded_without(results, what, *left_out):
    failed = [c for c in results.checks if not c.passed]
    assert [c.name for c in failed] == [QUIET_RULE], [(c.name, c.output) for c in failed]
    assert results.core == 98 and results.import_error == ""
    message = failed[0].output
    assert f"backprop.py as it is could not be imported: importing it {what}" in message
    for line, text in left_out:
        assert f"line {line}: {text}" in message
    assert 'under `if __name__ == "__main__":`' in message


def test_training_at_import_costs_only_the_quiet_rule_with_its_line(tmp_path):
    results, line = graded_with(f"x, y = generate_linear()\n{TRAINING}\n", tmp_path)
    assert_graded_without(results, "did not finish within 3 s", (line, "x, y = generate_linear()"),
                          (line + 1, TRAINING))


def test_an_endless_loop_at_import_costs_only_the_quiet_rule(tmp_path):
    results, line = graded_with("while True:\n    pass\n", tmp_path)
    assert_graded_without(results, "did not finish within 3 s", (line, "while True: ..."))


def test_ending_the_process_at_import_costs_only_the_quiet_rule(tmp_path):
    results, line = graded_with("import os\nos._exit(3)\n", tmp_path)
    assert_graded_without(results, "ended the grading process", (line + 1, "os._exit(3)"))


def test_the_solution_imports_as_it_is_and_passes_the_quiet_rule(solution_results):
    quiet = next(c for c in solution_results.checks if c.name == QUIET_RULE)
    assert quiet.passed and solution_results.import_error == ""


def test_the_definitions_keep_the_line_numbers_of_the_file(tmp_path):
    from tests.grading import solution_source

    source = solution_source().replace(
        "def loss(y_pred, y):\n", "def loss(y_pred, y):\n    raise ValueError('kept line')\n", 1)
    raising = source.splitlines().index("    raise ValueError('kept line')") + 1
    results, _ = graded_with("while True:\n    pass\n", tmp_path, source)
    loss = next(c for c in results.checks if c.group == "loss" and not c.passed)
    assert f'backprop.py", line {raising}, in loss' in loss.output
    assert "grading-" not in loss.output  # the student's own path, not the copy's


def test_a_forbidden_import_still_zeroes_a_file_graded_without_its_loop(tmp_path):
    results, _ = graded_with("try:\n    import torch\nexcept ImportError:\n    pass\n"
                             "while True:\n    pass\n", tmp_path)
    assert results.score == 0
    assert any("torch (a deep-learning or autodiff framework)" in c.output
               for c in results.checks if not c.passed)


def test_a_definition_that_hangs_at_import_is_not_importable_and_named(tmp_path):
    results, line = graded_with("def forever():\n    while True:\n        pass\n\n\n"
                                "def helper(x=forever()):\n    return x\n\n\n" + TRAINING + "\n",
                                tmp_path)
    assert results.score == 0
    banner = results.import_error
    assert banner.startswith("backprop.py could not be imported: importing it did not finish "
                             "within 3 s")
    assert f"Without its top-level statements that are not definitions (line {line + 9}: " \
           f"{TRAINING}), it still could not be imported: importing it did not finish" in banner
    assert f"line {line + 5}: def helper(x=forever()): ..." in banner


def test_a_class_body_that_loops_is_not_importable_and_named(tmp_path):
    results, line = graded_with("class Net:\n    while True:\n        pass\n", tmp_path)
    assert results.score == 0
    banner = results.import_error
    assert "did not finish within 3 s" in banner
    assert "All its top-level statements are definitions, imports or constants" in banner
    assert f"line {line}: class Net: ..." in banner

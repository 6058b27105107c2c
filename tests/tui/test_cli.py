import subprocess
import sys

from tui.cli import main


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.startswith("ft-advisor ")


def test_help_lists_the_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    assert "estimate" in out


def test_unknown_command_is_one_line_and_exit_2():
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "invalid choice" in proc.stderr


def test_figure_labels_read_as_words_with_units_in_the_values():
    from tui.render import fmt_value, label

    assert label("cost_per_1k_requests_usd") == "cost per 1k requests"
    assert label("training_price_per_1m") == "training price per 1M tokens"
    assert label("gpu_hours_low") == "GPU hours low"
    assert label("usable_per_gpu_gb") == "usable per GPU"
    assert label("ft_over_base_multiplier") == "fine-tuned over base multiplier"
    assert fmt_value("ft_over_base_multiplier", 2) == "2.00×"
    assert fmt_value("changed_fraction_per_month", 0.1) == "10%"
    assert fmt_value("horizon_months", 24) == "24 months"
    assert fmt_value("total_gb", 132.2) == "132.2 GB"


def test_compare_table_fits_80_columns_without_cutting_names():
    env = {**__import__("os").environ, "COLUMNS": "80"}
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "estimate", "compare", "--date", "2026-11-29"],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout.split("assumptions")[0]  # no strategy or figure cut short
    assert "prompt engineering" in proc.stdout and "full fine tune" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80


def test_a_bad_date_is_named_in_words_not_as_a_regex(capsys):
    for kind in ("api-finetune", "inference", "maintenance", "compare"):
        assert main(["estimate", kind, "--date", "tomorrow"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err == [f"ft-advisor estimate {kind}: error: --date: expected an ISO date such as 2026-12-31, "
                       "got 'tomorrow'"], kind


def test_a_fraction_for_a_count_says_whole_number(capsys):
    assert main(["estimate", "training", "--model", "llama-3-8b", "--tokens", "1M", "--gpus", "2.5"]) == 2
    assert "--gpus: expected a whole number, got 2.5" in capsys.readouterr().err


def test_help_names_other_arguments_as_flags(capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["estimate", "training", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "examples with --tokens-per-example" in out and "pad each example to --seq-len" in out
    assert "tokens_per_example" not in out
    assert "7b, 70B, 2T, 50k, 1.5M, 3e9" in out  # how to write numbers
    assert "never estimate these yourself" not in out  # the model-facing part stays out


def test_a_misspelt_flag_is_named_with_the_nearest_flags_of_its_command():
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "estimate", "training", "--modle", "x"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "unrecognized argument --modle (did you mean --model" in proc.stderr

import math

import pytest
from hypothesis import given, strategies as st

from tools.errors import InputError
from tools.units import fmt_usd, parse_quantity


@pytest.mark.parametrize("text,value", [
    ("7b", 7e9), ("70B", 70e9), ("2T", 2e12), ("50k", 50e3), ("1.5M", 1.5e6),
    ("3e9", 3e9), ("$30k", 30e3), ("1,000", 1000), ("12", 12), (" 0.5 ", 0.5),
    ("2 million", 2e6), ("$1.2m", 1.2e6), ("100_000", 1e5), (".5k", 500),
])
def test_parse_quantity_reads_numbers_as_people_write_them(text, value):
    assert parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["", "abc", "7x", "1.2.3", "nan", "inf", "k", "--5"])
def test_parse_quantity_rejects_garbage_naming_the_field(text):
    with pytest.raises(InputError) as info:
        parse_quantity(text, "tokens")
    assert info.value.field == "tokens"
    assert "tokens" in str(info.value)


def test_parse_quantity_rejects_non_finite_numbers():
    with pytest.raises(InputError):
        parse_quantity(math.nan, "mfu")
    with pytest.raises(InputError):
        parse_quantity(True, "mfu")


@given(st.floats(min_value=0, max_value=1e15, allow_nan=False))
def test_parse_quantity_round_trips_plain_numbers(x):
    assert parse_quantity(repr(x)) == pytest.approx(x)


def test_fmt_usd():
    assert fmt_usd(1234.4) == "$1,234"
    assert fmt_usd(2.5) == "$2.50"
    assert fmt_usd(2_500_000) == "$2.50M"
    assert fmt_usd(0) == "$0"
    assert fmt_usd(0.6) == "$0.60" and fmt_usd(0.15) == "$0.15"  # prices read in cents
    assert fmt_usd(0.0042) == "$0.0042"


def test_fmt_assumption_reads_values_by_their_name():
    from tools.units import fmt_assumption

    assert fmt_assumption("engineer cost per month", 15_000.0) == "$15,000"
    assert fmt_assumption("requests per month", 500_000.0) == "500,000"
    assert fmt_assumption("tokens per epoch", 2e9) == "2B"
    assert fmt_assumption("target utilisation", 0.5) == "50%"
    assert fmt_assumption("mfu", 0.0551) == "5.5%"
    assert fmt_assumption("engineer time monitoring the tuned model (FTE)", 0.25) == "0.25"
    assert fmt_assumption("proprietary_data", True) == "yes"
    assert fmt_assumption("goals", ["jargon", "style"]) == "jargon, style"
    assert fmt_assumption("peak dense BF16", "312 TFLOPS") == "312 TFLOPS"

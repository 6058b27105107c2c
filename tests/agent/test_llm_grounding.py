"""Grounded figures: which figures an answer quotes, and which of them the engine's and
the tools' numbers back, with rounding and suffixes allowed."""
from __future__ import annotations

import pytest

from agent.grounding import Known, check, figures_in, footnote


def texts(answer):
    return [f.text for f in figures_in(answer)]


def test_money_percentages_units_and_suffixes_are_figures():
    answer = ("A LoRA costs $12.3k to set up, $804/month and $1.29M over 24 months; confidence 47%. "
              "Training takes 3.5 GPU-hours on 18 GB, with 5,000 examples and 200k requests a month.")
    assert texts(answer) == ["$12.3k", "$804", "$1.29M", "24 months", "47%", "3.5 GPU-hours", "18 GB",
                             "5,000 examples", "200k requests"]
    values = {f.text: f.value for f in figures_in(answer)}
    assert values["$12.3k"] == 12_300 and values["$1.29M"] == 1_290_000 and values["200k requests"] == 200_000


@pytest.mark.parametrize("text", [
    "1. Start with prompting\n2. Then RAG",         # list markers
    "Use gpt-4o-mini or llama-3.1-8b on an H100",   # names and versions
    "Llama 3.1 8B serves 24/7",                      # a parameter count, a schedule
    "The article (2024) lists 4 cases",              # a year, a small count
])
def test_names_list_markers_years_and_small_counts_are_not_figures(text):
    assert texts(text) == []


def test_rounding_and_suffixes_within_the_written_precision():
    known = Known()
    known.add_data({"total_usd": 128_699.52, "confidence": 0.475, "gpu_hours": 6.73, "monthly_usd": 804.0})
    verified = "About $128,700 ($128.7k, $129k, $130k); 6.7 GPU-hours; $804 a month; confidence 47% or 48%."
    assert check(verified, known).unverified == ()
    # Rounding is read from the written digits, to two significant figures at most.
    wrong = "About $200k; 7.5 GPU-hours; $900 a month; confidence 60%."
    assert [f.text for f in check(wrong, known).unverified] == ["$200k", "7.5 GPU-hours", "$900", "60%"]


def test_figures_inside_tool_texts_and_the_users_words_count():
    known = Known()
    known.add_data({"reasons": [{"text": "Over 12 months the fine-tune costs about $128,700."}]})
    known.add_text("We have 20k labelled examples and a $50k budget.")
    result = check("With your 20,000 examples and $50,000, the fine-tune costs $128,700 over 12 months; "
                   "a yearly saving of $31,000 is likely.", known)
    assert result.verified == 4
    assert result.unverified_list() == [{"text": "$31,000", "value": 31_000.0}]
    assert "$31,000" in footnote(result.unverified) and "not from the cost models" in footnote(result.unverified).lower()


def test_no_footnote_when_everything_is_backed():
    assert footnote(()) == ""

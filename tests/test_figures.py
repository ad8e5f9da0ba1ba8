"""Tests for assistant.figures: notations from the guide, support checks, experience, properties."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.figures import (
    Figure,
    experience_years,
    extract_figures,
    figure_supported,
    lpa_reading,
    parse_money,
    rupees_to_lpa,
    unsupported_figures,
)

GUIDE = Path(__file__).resolve().parents[1] / "corpus" / "ml-engineer-jobs-india.txt"
INF = math.inf

# Real lines of the guide.
JUNIOR = "- Junior ML Engineer (0-2 years): ₹8,00,000 – ₹12,00,000 per annum"
MID = "- Mid-Level ML Engineer (3-5 years): ₹15,00,000 – ₹25,00,000 per annum"
SENIOR = "- Senior/Lead ML Engineer (6+ years): ₹30,00,000 – ₹60,00,000+ per annum"
PREMIUM = "ML Engineers generally command a 20-30% premium over standard backend developers."
FOCUS = "In 2026, the focus has shifted heavily toward LLM integration, MLOps, and scalable model deployment."
SKILLS = "- Programming: Python remains king, but C++ and Rust are increasingly requested for high-performance model serving."


def summary(text: str) -> list[tuple[str, float, float, str]]:
    return [(f.kind, f.low, f.high, f.raw) for f in extract_figures(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        (JUNIOR, [("years", 0, 2, "0-2 years"), ("money", 800_000, 1_200_000, "₹8,00,000 – ₹12,00,000")]),
        (MID, [("years", 3, 5, "3-5 years"), ("money", 1_500_000, 2_500_000, "₹15,00,000 – ₹25,00,000")]),
        (SENIOR, [("years", 6, INF, "6+ years"), ("money", 3_000_000, 6_000_000, "₹30,00,000 – ₹60,00,000+")]),
        (PREMIUM, [("percent", 20, 30, "20-30%")]),
        (FOCUS, [("year", 2026, 2026, "2026")]),
        (SKILLS, []),
    ],
)
def test_guide_lines(text, expected):
    assert summary(text) == expected


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("₹15,00,000", 1_500_000, 1_500_000),
        ("Rs. 15,00,000", 1_500_000, 1_500_000),
        ("Rs 15,00,000", 1_500_000, 1_500_000),
        ("INR 15,00,000", 1_500_000, 1_500_000),
        ("15,00,000", 1_500_000, 1_500_000),
        ("1,50,00,000", 15_000_000, 15_000_000),
        ("1,500,000", 1_500_000, 1_500_000),
        ("15 lakh", 1_500_000, 1_500_000),
        ("15 lakhs", 1_500_000, 1_500_000),
        ("15 lac", 1_500_000, 1_500_000),
        ("15L", 1_500_000, 1_500_000),
        ("15 LPA", 1_500_000, 1_500_000),
        ("15 lpa", 1_500_000, 1_500_000),
        ("₹15 LPA", 1_500_000, 1_500_000),
        ("1.5 crore", 15_000_000, 15_000_000),
        ("1.5 cr", 15_000_000, 15_000_000),
        ("2 Cr", 20_000_000, 20_000_000),
        ("15k", 15_000, 15_000),
        ("₹15k", 15_000, 15_000),
        ("₹8,00,000 – ₹12,00,000 per annum", 800_000, 1_200_000),
        ("₹8,00,000 - ₹12,00,000", 800_000, 1_200_000),
        ("₹8,00,000 to ₹12,00,000", 800_000, 1_200_000),
        ("15-25 LPA", 1_500_000, 2_500_000),
        ("15 – 25 LPA", 1_500_000, 2_500_000),
        ("15 to 25 lakh", 1_500_000, 2_500_000),
        ("₹8–12 LPA", 800_000, 1_200_000),
        ("₹15L–₹25L", 1_500_000, 2_500_000),
        ("₹15,000 – 20,000 a month", 15_000, 20_000),
        ("₹30,00,000 – ₹60,00,000+", 3_000_000, 6_000_000),
        ("₹60,00,000+", 6_000_000, INF),
        ("60+ LPA", 6_000_000, INF),
    ],
)
def test_money_notations(text, low, high):
    figures = parse_money(text)
    assert len(figures) == 1
    assert (figures[0].low, figures[0].high) == (low, high)
    assert figures[0].raw == text.removesuffix(" per annum").removesuffix(" a month")


@pytest.mark.parametrize(
    "text, kind, low, high",
    [
        ("20%", "percent", 20, 20),
        ("20-30%", "percent", 20, 30),
        ("20 – 30 %", "percent", 20, 30),
        ("20 to 30 percent", "percent", 20, 30),
        ("0-2 years", "years", 0, 2),
        ("6+ years", "years", 6, INF),
        ("3 to 5 yrs", "years", 3, 5),
        ("8 years", "years", 8, 8),
        ("6 months", "years", 0.5, 0.5),
        ("2026", "year", 2026, 2026),
        ("2020-2025", "year", 2020, 2025),
        ("Top 10", "number", 10, 10),
        ("Llama 3", "number", 3, 3),
        ("1,000", "number", 1000, 1000),
    ],
)
def test_other_kinds(text, kind, low, high):
    [fig] = extract_figures(text)
    assert (fig.kind, fig.low, fig.high) == (kind, low, high)


@pytest.mark.parametrize(
    "text",
    ["Q3", "C++", "Web3", "GPT-4", "GPT-4o", "MiniLM-L6", "7B model", "3D", "2+2", "v1.2.3", "24/7", "21:10",
     "see [1] and [2, 3]", "1. Learn Python\n2) Ship it", "$120k in the US"],
)
def test_names_markers_and_glued_digits_are_not_figures(text):
    assert extract_figures(text) == []


def test_whole_guide_has_only_the_expected_figures():
    figures = extract_figures(GUIDE.read_text(encoding="utf-8"))
    assert [f.raw for f in figures] == [
        "2026", "20-30%", "0-2 years", "₹8,00,000 – ₹12,00,000", "3-5 years",
        "₹15,00,000 – ₹25,00,000", "6+ years", "₹30,00,000 – ₹60,00,000+",
    ]


def test_mismatched_ends_are_not_one_range():
    assert [f.raw for f in extract_figures("2024-25")] == ["2024"]
    assert [f.kind for f in extract_figures("20% - ₹15 lakh")] == ["percent", "money"]
    assert [f.raw for f in extract_figures("25 - 15 LPA")] == ["25", "15 LPA"]  # low > high


def test_rupees_to_lpa():
    assert rupees_to_lpa(1_500_000) == 15.0
    assert rupees_to_lpa(150_000) == 1.5
    assert rupees_to_lpa(123_456) == 1.23456


@pytest.mark.parametrize(
    "text, reading",
    [
        ("₹15,00,000 – ₹25,00,000", "15–25 LPA"),
        ("₹8,00,000", "8 LPA"),
        ("₹60,00,000+", "60+ LPA"),
        ("₹30,00,000 – ₹60,00,000+", "30–60+ LPA"),
        ("1.5 lakh", "1.5 LPA"),
        ("1.5 crore", "150 LPA"),
    ],
)
def test_lpa_reading(text, reading):
    assert lpa_reading(parse_money(text)[0]) == reading


def test_lpa_reading_rejects_non_money():
    with pytest.raises(ValueError):
        lpa_reading(extract_figures("20%")[0])


@pytest.mark.parametrize(
    "claim, source, supported",
    [
        ("15 LPA", MID, True),
        ("25 LPA", MID, True),
        ("15–25 LPA", MID, True),
        ("₹15 lakh – ₹25 lakh", MID, True),
        ("18 LPA", MID, False),  # inside the range, not an end of it
        ("15–20 LPA", MID, False),
        ("1.5 crore", "₹1,50,00,000", True),
        ("20-30%", PREMIUM, True),
        ("20%", PREMIUM, True),
        ("30%", PREMIUM, True),
        ("25%", PREMIUM, False),
        ("60 LPA", SENIOR, True),
        ("60+ LPA", SENIOR, True),
        ("30–60+ LPA", SENIOR, True),
        ("70 LPA", SENIOR, False),
        ("0-2 years", JUNIOR, True),
        ("6+ years", SENIOR, True),
        ("4 years", MID, False),
        ("2026", FOCUS, True),
        ("2025", FOCUS, False),
        ("15", MID, True),  # a plain number may stand for 15 lakh
        ("20 LPA", "a 20% premium", False),  # money never matches a percent
        ("20%", "20 years", False),
        ("3 years", "3 LPA", False),
    ],
)
def test_figure_supported(claim, source, supported):
    [fig] = extract_figures(claim)
    assert figure_supported(fig, [source]) is supported
    assert figure_supported(fig, source) is supported  # a bare string is one source


def test_range_ends_must_open_and_close_source_ranges():
    sources = [JUNIOR, MID, SENIOR]
    assert figure_supported(parse_money("8–60 LPA")[0], sources)  # junior low to senior high
    assert not figure_supported(parse_money("12–15 LPA")[0], sources)  # a high then a low


def test_unsupported_figures():
    answer = "Mid-level engineers (3-5 years) earn 15–25 LPA [1], sometimes 18 LPA, with a 40% premium."
    assert [f.raw for f in unsupported_figures(answer, [MID, PREMIUM])] == ["18 LPA", "40%"]
    assert unsupported_figures("No numbers here.", [MID]) == []


@pytest.mark.parametrize(
    "question, years",
    [
        ("I have 8 years of experience, what should I ask for?", 8),
        ("5 yrs exp in backend, can I switch?", 5),
        ("Salary for freshers?", 0),
        ("I'm a fresher", 0),
        ("fresh graduate in Pune", 0),
        ("new grad ML salary", 0),
        ("entry level roles?", 0),
        ("no experience but a degree", 0),
        ("I have 1.5 years in data science", 1.5),
        ("two years of experience", 2),
        ("with 6+ years", 6),
        ("What will I earn in 2 years with 4 years experience?", 4),
        ("What is the ML salary in 2026?", None),
        ("Is 15 LPA good?", None),
        ("Where are the ML jobs?", None),
        ("Where will I be in 2 years?", None),
    ],
)
def test_experience_years(question, years):
    assert experience_years(question) == years


# ---- properties -------------------------------------------------------------------------

def indian(n: int) -> str:
    """Test-local Indian grouping: 1500000 -> "15,00,000"."""
    head, tail = str(n)[:-3], str(n)[-3:]
    groups = []
    while len(head) > 2:
        head, groups = head[:-2], [head[-2:], *groups]
    return ",".join([g for g in [head, *groups] if g] + [tail])


def decimal_text(n: int, unit: int) -> str:
    """n / unit written exactly: (150000, 100000) -> "1.5"."""
    return format((Decimal(n) / unit).normalize(), "f")


def test_indian_helper():
    assert [indian(n) for n in (5, 1000, 100000, 1500000, 150000000)] == [
        "5", "1,000", "1,00,000", "15,00,000", "15,00,00,000"]


rupees = st.integers(min_value=1, max_value=10**13)


@given(rupees)
def test_notations_round_trip(n):
    for text in (f"₹{indian(n)}", f"Rs. {indian(n)}", f"INR {n:,}", f"{decimal_text(n, 100_000)} lakh",
                 f"{decimal_text(n, 100_000)} LPA", f"{decimal_text(n, 10_000_000)} crore", f"{decimal_text(n, 1_000)}k"):
        [fig] = extract_figures(text)
        assert (fig.kind, fig.low, fig.high, fig.raw) == ("money", n, n, text), text
    [bare] = extract_figures(indian(n))  # bare small numbers are plain numbers, same value
    assert bare.low == n


@given(st.text())
@settings(max_examples=200)
def test_extract_never_raises_and_spans_hold(text):
    figures = extract_figures(text)
    for fig in figures:
        assert text[fig.start:fig.end] == fig.raw
        assert fig.low <= fig.high
    assert all(a.end <= b.start for a, b in zip(figures, figures[1:]))


number_text = st.lists(
    st.one_of(st.sampled_from(["₹", "Rs. ", " ", "-", "–", " to ", "+", "%", " LPA", " lakh", "k", "L", "years", ",", "[", "]", "\n", "GPT"]),
              st.integers(0, 10**8).map(str)),
    max_size=12,
).map("".join)


@given(number_text)
def test_figure_notation_soup_spans_hold(text):
    figures = extract_figures(text)
    assert all(text[f.start:f.end] == f.raw for f in figures)
    assert all(a.end <= b.start for a, b in zip(figures, figures[1:]))
    assert all(figure_supported(f, f.raw) for f in figures)  # a figure supports itself


@given(rupees, rupees, st.sampled_from(["single", "range", "open", "range+"]))
def test_lpa_reading_reparses_to_the_same_value(a, b, shape):
    low, high = sorted((a, b))
    text = {"single": f"₹{indian(low)}", "range": f"₹{indian(low)} – ₹{indian(high)}",
            "open": f"₹{indian(low)}+", "range+": f"₹{indian(low)} – ₹{indian(high)}+"}[shape]
    [fig] = parse_money(text)
    [again] = parse_money(lpa_reading(fig))
    assert (again.low, again.high) == (fig.low, fig.high)


def test_figure_is_frozen():
    fig = Figure("money", 1.0, 1.0, "₹1", 0, 2)
    with pytest.raises(AttributeError):
        fig.low = 2.0  # type: ignore[misc]

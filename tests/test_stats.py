"""The statistics behind intervals and gates, checked against scipy and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

from audit.stats import (
    binom_cdf,
    binom_sf,
    bootstrap_mean,
    clopper_pearson,
    items_needed,
    mcnemar_exact,
    paired_change,
    wilson,
    z_value,
)

CASES = [(0, 10), (1, 10), (7, 10), (10, 10), (3, 57), (50, 100), (412, 1000)]


@pytest.mark.parametrize("k,n", CASES)
@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
def test_wilson_matches_statsmodels(k: int, n: int, confidence: float) -> None:
    low, high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
    assert wilson(k, n, confidence) == pytest.approx((low, high), abs=1e-12)


@pytest.mark.parametrize("k,n", CASES)
@pytest.mark.parametrize("confidence", [0.9, 0.95])
def test_clopper_pearson_matches_scipy(k: int, n: int, confidence: float) -> None:
    ci = sps.binomtest(k, n).proportion_ci(confidence, method="exact")
    assert clopper_pearson(k, n, confidence) == pytest.approx((ci.low, ci.high), abs=1e-9)


@pytest.mark.parametrize("k,n,p", [(0, 5, 0.5), (3, 20, 0.3), (12, 40, 0.5), (700, 2000, 0.33),
                                   (5, 5, 0.9), (0, 3, 0.0)])
def test_binomial_tails_match_scipy(k: int, n: int, p: float) -> None:
    assert binom_cdf(k, n, p) == pytest.approx(sps.binom.cdf(k, n, p), abs=1e-12)
    assert binom_sf(k, n, p) == pytest.approx(sps.binom.sf(k - 1, n, p), abs=1e-12)


@pytest.mark.parametrize("worse,better", [(0, 0), (7, 2), (2, 7), (0, 9), (15, 15), (40, 21)])
def test_mcnemar_exact_matches_statsmodels(worse: int, better: int) -> None:
    table = [[30, worse], [better, 25]]
    assert mcnemar_exact(worse, better) == pytest.approx(mcnemar(table, exact=True).pvalue, abs=1e-12)


def test_bootstrap_mean_agrees_with_scipy_and_is_seeded() -> None:
    data = np.random.default_rng(7).normal(0.4, 0.2, size=300)
    ours = bootstrap_mean(data, 0.95, resamples=4000, seed=1)
    ref = sps.bootstrap((data,), np.mean, confidence_level=0.95, method="percentile",
                        n_resamples=4000, rng=np.random.default_rng(2)).confidence_interval
    # two Monte Carlo estimates of the same quantiles: the standard error is ~0.0115 here
    assert ours[0] == pytest.approx(ref.low, abs=0.003)
    assert ours[1] == pytest.approx(ref.high, abs=0.003)
    assert bootstrap_mean(data, 0.95, resamples=4000, seed=1) == ours
    assert bootstrap_mean(data, 0.95, resamples=4000, seed=2) != ours


def test_z_value_rejects_levels_outside_zero_one() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    with pytest.raises(ValueError):
        z_value(1.0)


def test_paired_binary_change_counts_discordant_pairs() -> None:
    # 100 items: 60 good in both, 20 bad in both, 15 went good->bad, 5 bad->good
    base = [1.0] * 60 + [0.0] * 20 + [1.0] * 15 + [0.0] * 5
    cur = [1.0] * 60 + [0.0] * 20 + [0.0] * 15 + [1.0] * 5
    ch = paired_change(base, cur, higher_is_better=True, confidence=0.95)
    assert (ch.worse, ch.better, ch.n, ch.method) == (15, 5, 100, "exact-mcnemar")
    assert ch.change == pytest.approx(0.10)  # (15 - 5) / 100
    assert ch.p_value == pytest.approx(mcnemar([[60, 15], [5, 20]], exact=True).pvalue)
    ci = sps.binomtest(15, 20).proportion_ci(0.95, method="exact")
    # the worsening is (2 pi - 1) x 20/100 with pi the share of discordant pairs that got worse
    assert (ch.low, ch.high) == pytest.approx((0.2 * (2 * ci.low - 1), 0.2 * (2 * ci.high - 1)))
    assert ch.low > 0  # a significant regression: agrees with p < 0.05
    assert ch.p_value < 0.05


def test_paired_change_direction_follows_the_metric() -> None:
    base, cur = [0.0, 0.0, 1.0, 0.0], [1.0, 1.0, 1.0, 0.0]
    assert paired_change(base, cur, higher_is_better=False).change == pytest.approx(0.5)
    assert paired_change(base, cur, higher_is_better=True).change == pytest.approx(-0.5)


def test_paired_change_of_identical_runs_is_exactly_zero() -> None:
    values = [0.1, 0.5, 0.9, 0.3]
    ch = paired_change(values, values, higher_is_better=True)
    assert (ch.change, ch.low, ch.high, ch.method) == (0.0, 0.0, 0.0, "paired-bootstrap")
    binary = [1.0, 0.0, 1.0]
    assert paired_change(binary, binary, higher_is_better=True).high == 0.0


def test_paired_bootstrap_resamples_items_not_runs() -> None:
    base = np.random.default_rng(3).uniform(0, 1, size=200)
    cur = base + 0.05  # every item worse by exactly 0.05 on a lower-is-better score
    ch = paired_change(base, cur, higher_is_better=False)
    # a constant shift has no sampling noise once paired: the interval collapses on it
    assert (ch.change, ch.low, ch.high) == pytest.approx((0.05, 0.05, 0.05))
    noisy = cur + np.random.default_rng(4).normal(0, 0.1, size=200)
    ch = paired_change(base, noisy, higher_is_better=False, seed=5)
    d = noisy - base
    ref = sps.bootstrap((d,), np.mean, method="percentile", n_resamples=4000,
                        rng=np.random.default_rng(9)).confidence_interval
    assert (ch.low, ch.high) == pytest.approx((ref.low, ref.high), abs=0.003)


def test_items_needed_scales_with_the_square_of_the_gap() -> None:
    # half-width 0.1 towards the limit, limit 0.05 away: the interval must shrink 2x -> 4x items
    assert items_needed(0.5, 0.4, 0.6, 0.55, 100) == 400
    assert items_needed(0.5, 0.45, 0.6, 0.40, 100) == 100 + 1  # already decisive on that side
    assert items_needed(0.5, 0.4, 0.6, 0.5, 100) is None
    assert math.isnan(paired_change([], [], higher_is_better=True).change)

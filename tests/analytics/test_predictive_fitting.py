"""BG/NBD and Gamma-Gamma reproduce the published CDNOW estimates, and give the
per-customer figures the papers give (docs/metrics.md "Predictive retention")."""

from pathlib import Path

import numpy as np
import pytest

from analytics.predictive import fitting
from analytics.predictive.fitting import BgNbd, GammaGamma

CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow_summary.csv"
# Fader, Hardie & Lee (2005), "Counting your customers the easy way", section 5.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4
# Fader & Hardie, "The Gamma-Gamma model of monetary value" (2013), on the same sample.
PUBLISHED_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}
CDNOW_MODEL = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=PUBLISHED_LL)


@pytest.fixture(scope="module")
def cdnow():
    data = np.genfromtxt(CDNOW, delimiter=",", names=True)
    assert len(data) == 2357
    return data


def test_bgnbd_reproduces_the_published_cdnow_estimates(cdnow):
    model = fitting.bgnbd_fit(cdnow["x"], cdnow["t_x"], cdnow["T"])

    # To the three decimals the paper reports (its last digit, rounded).
    assert round(model.r, 3) == PUBLISHED_BGNBD["r"]
    assert round(model.alpha, 3) == PUBLISHED_BGNBD["alpha"]
    assert round(model.a, 3) == PUBLISHED_BGNBD["a"]
    assert round(model.b, 3) == PUBLISHED_BGNBD["b"]
    assert round(model.log_likelihood, 1) == PUBLISHED_LL


def test_gamma_gamma_reproduces_the_published_cdnow_estimates(cdnow):
    repeat = cdnow["x"] > 0
    assert repeat.sum() == 946

    model = fitting.gamma_gamma_fit(cdnow["x"][repeat], cdnow["zbar"][repeat])

    # The note reports two decimals; the likelihood is flat in gamma, so within one unit
    # of the last reported digit.
    assert model.p == pytest.approx(PUBLISHED_SPEND["p"], abs=0.01)
    assert model.q == pytest.approx(PUBLISHED_SPEND["q"], abs=0.01)
    assert model.gamma == pytest.approx(PUBLISHED_SPEND["gamma"], abs=0.01)


def test_the_conditional_expectation_matches_the_paper():
    # The paper's worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases
    # in the next 39 weeks.
    expected = fitting.expected_orders(
        CDNOW_MODEL, 39, np.array([2.0]), np.array([30.43]), np.array([38.86])
    )
    assert round(float(expected[0]), 3) == 1.226


def test_the_analytic_gradients_match_finite_differences(cdnow):
    x, t_x, T, z = cdnow["x"][:400], cdnow["t_x"][:400], cdnow["T"][:400], cdnow["zbar"][:400]
    repeat = x > 0
    for likelihood, gradient, params, arrays in (
        (fitting.bgnbd_log_likelihood, fitting.bgnbd_gradient, [0.3, 4.0, 0.8, 2.5], (x, t_x, T)),
        (
            fitting.gamma_gamma_log_likelihood,
            fitting.gamma_gamma_gradient,
            [6.0, 3.5, 15.0],
            (x[repeat], z[repeat]),
        ),
    ):
        exact = gradient(np.array(params), *arrays).sum(axis=1)
        for i in range(len(params)):
            up, down = np.array(params), np.array(params)
            up[i] += 1e-6
            down[i] -= 1e-6
            numeric = (likelihood(up, *arrays).sum() - likelihood(down, *arrays).sum()) / 2e-6
            assert exact[i] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_expected_orders_pass_smoothly_through_a_equal_to_one():
    x, t_x, T = np.array([0.0, 3.0]), np.array([0.0, 20.0]), np.array([30.0, 30.0])
    values = [
        fitting.expected_orders(
            BgNbd(r=0.5, alpha=5.0, a=a, b=3.0, log_likelihood=0.0), 52, x, t_x, T
        )
        for a in (0.98, 0.995, 1.0, 1.005, 1.02)
    ]
    assert all(np.isfinite(v).all() and (v > 0).all() for v in values)
    # Monotone in a and close to its neighbours: no spike at the singularity.
    for i in range(2):
        column = [v[i] for v in values]
        assert column == sorted(column, reverse=True)
        assert column[2] == pytest.approx((column[1] + column[3]) / 2, rel=1e-3)


def test_p_alive_follows_the_formula_and_is_one_without_a_repeat_order():
    x, t_x, T = np.array([0.0, 2.0, 2.0]), np.array([0.0, 30.43, 5.0]), np.array([38.86] * 3)
    alive = fitting.p_alive(CDNOW_MODEL, x, t_x, T)
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    by_hand = 1 / (1 + a / (b + 2 - 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))
    assert alive[0] == 1.0
    assert alive[1] == pytest.approx(by_hand, rel=1e-12)
    # The same two purchases long ago: probably gone.
    assert alive[2] < 0.2 < alive[1]


def test_expected_spend_shrinks_a_customer_towards_the_population_mean():
    model = GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0.0)
    spend = fitting.expected_spend(model, np.array([0.0, 1.0, 50.0]), np.array([0.0, 100.0, 100.0]))
    population = 6.25 * 15.44 / (3.74 - 1)
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100
    assert spend[1] == pytest.approx(6.25 * (15.44 + 100) / (6.25 + 3.74 - 1))


def test_clv_discounts_each_month_and_counts_the_margin():
    x, t_x, T = np.array([5.0]), np.array([30.0]), np.array([32.0])
    spend = np.array([40.0])
    orders, plain = fitting.clv(CDNOW_MODEL, spend, x, t_x, T)
    year = fitting.expected_orders(CDNOW_MODEL, 52, x, t_x, T)
    assert orders[0] == pytest.approx(year[0])
    assert plain[0] == pytest.approx(year[0] * 40)

    _, discounted = fitting.clv(CDNOW_MODEL, spend, x, t_x, T, margin=0.3, annual_discount=0.1)
    assert 0.3 * plain[0] / 1.1 < discounted[0] < 0.3 * plain[0]


def test_a_history_the_model_cannot_fit_is_refused_not_fitted():
    # Nobody ever came back: r and alpha run off, the optimiser cannot settle.
    x = np.zeros(200)
    T = np.linspace(1, 50, 200)
    with np.errstate(all="ignore"):
        try:
            model = fitting.bgnbd_fit(x, x.copy(), T)
        except fitting.FitError as exc:
            assert exc.code == "not_converged"
            return
    # When the optimiser does stop, a parameter has run to its bound.
    values = [model.r, model.alpha, model.a, model.b]
    assert min(values) < 1e-5 or max(values) > 1e5


def test_one_dropout_probability_for_all_is_a_good_fit_at_the_cap():
    # Every customer drops out with the same probability 0.1 after a repeat purchase:
    # the Beta's a and b grow together, and stop at the cap with their mean right.
    rng = np.random.default_rng(5)
    n = 3000
    T = rng.uniform(10, 80, n)
    rate = rng.gamma(0.8, 1 / 4.0, n)
    x, t_x = np.zeros(n), np.zeros(n)
    alive, t = np.arange(n), np.zeros(n)
    while len(alive):
        t[alive] += rng.exponential(1, len(alive)) / rate[alive]
        alive = alive[t[alive] <= T[alive]]
        x[alive] += 1
        t_x[alive] = t[alive]
        alive = alive[rng.random(len(alive)) >= 0.1]

    model = fitting.bgnbd_fit(x, t_x, T)

    assert model.a + model.b == pytest.approx(fitting.CONCENTRATION_CAP, rel=1e-6)
    assert model.a / (model.a + model.b) == pytest.approx(0.1, abs=0.03)
    assert model.r == pytest.approx(0.8, rel=0.25) and model.alpha == pytest.approx(4.0, rel=0.3)
    alive = fitting.p_alive(model, x, t_x, T)
    assert np.isfinite(fitting.expected_orders(model, 52, x, t_x, T, alive=alive)).all()

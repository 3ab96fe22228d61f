"""BG/NBD and Gamma-Gamma: the likelihoods, their maximum-likelihood fits, and the
per-customer figures they give. Plain numpy and scipy, time in weeks.

BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way: an alternative
to the Pareto/NBD model", Marketing Science 24(2); the log-likelihood as written in
Fader & Hardie, "Implementing the BG/NBD model for customer-base analysis in Excel"
(2005), and the conditional expectation of equation (10).

Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer
base analysis", Journal of Marketing Research 42(4); the likelihood and the conditional
mean as in Fader & Hardie, "The Gamma-Gamma model of monetary value" (2013).

A customer is (x, t_x, T): x repeat order days, t_x the weeks from the first order day
to the last, T the weeks from the first order day to the end of the as-of day. The
spend model takes x and z, the mean spend per repeat order day (x > 0 only).

Nothing here touches the database; `analytics.predictive.services` feeds it arrays.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

from analytics.predictive import CONCENTRATION_CAP

WEEKS_PER_MONTH = 52 / 12
LOG_BOUND = np.log(1e6)  # every coordinate stays within 1e-6 .. 1e6
NEAR_ONE = 1e-2  # how close a may come to 1 before expected_orders interpolates
GRADIENT_TOLERANCE = 1e-4  # per unit of log-parameter, of the mean log-likelihood


class FitError(Exception):
    """A fit that must not be used: `code` is the status stored on the fit."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float


def bgnbd_log_likelihood(params, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood: ln L = A1 + A2 + ln(exp(A3) + [x > 0] exp(A4))."""
    r, alpha, a, b = params
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    # A4 only exists for repeat buyers; b + x - 1 > 0 there.
    a4 = np.where(
        repeat,
        np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return a1 + a2 + np.logaddexp(a3, a4)


def gamma_gamma_log_likelihood(params, x, z) -> np.ndarray:
    """Each repeat buyer's log-likelihood of their mean spend z over x order days."""
    p, q, gamma = params
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(z)
        + px * np.log(x)
        - (px + q) * np.log(gamma + x * z)
    )


def bgnbd_gradient(params, x, t_x, T) -> np.ndarray:
    """Each customer's d ln L / d(r, alpha, a, b), shape (4, n): the derivatives of A1..A4,
    with A3 and A4 weighted by their shares of exp(A3) + exp(A4)."""
    r, alpha, a, b = params
    repeat = x > 0
    log_at = np.log(alpha + T)
    log_atx = np.log(alpha + t_x)
    a3 = -(r + x) * log_at
    bx1 = np.where(repeat, b + x - 1, 1.0)
    a4 = np.where(repeat, np.log(a) - np.log(bx1) - (r + x) * log_atx, -np.inf)
    total = np.logaddexp(a3, a4)
    w3, w4 = np.exp(a3 - total), np.exp(a4 - total)
    return np.array(
        [
            digamma(r + x) - digamma(r) + np.log(alpha) - w3 * log_at - w4 * log_atx,
            r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x)),
            digamma(a + b) - digamma(a + b + x) + w4 / a,
            digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / bx1,
        ]
    )


def gamma_gamma_gradient(params, x, z) -> np.ndarray:
    """Each repeat buyer's d ln L / d(p, q, gamma), shape (3, n)."""
    p, q, gamma = params
    px = p * x
    log_gxz = np.log(gamma + x * z)
    both = digamma(px + q)
    return np.array(
        [
            x * (both - digamma(px) + np.log(z) + np.log(x) - log_gxz),
            both - digamma(q) + np.log(gamma) - log_gxz,
            q / gamma - (px + q) / (gamma + x * z),
        ]
    )


@dataclass(frozen=True)
class _Coordinates:
    """Where the optimiser walks: coordinates theta in a box, the parameters they give,
    and the chain rule from the parameters' gradient to theta's."""

    params: Callable[[np.ndarray], np.ndarray]
    chain: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # theta, params, grad
    start: np.ndarray
    bounds: list[tuple[float, float]]


# BG/NBD walks in (ln r, ln alpha, logit mu, ln kappa), with mu = a / (a + b) the mean
# dropout probability and kappa = a + b. When the dropout probability hardly varies
# between customers, a and b run off to infinity together with mu fixed; capping kappa
# at CONCENTRATION_CAP stops them where Beta(a, b) is already one probability for all.
_BGNBD = _Coordinates(
    params=lambda t: np.array(
        [np.exp(t[0]), np.exp(t[1]), expit(t[2]) * np.exp(t[3]), expit(-t[2]) * np.exp(t[3])]
    ),
    chain=lambda t, p, g: np.array(
        [
            g[0] * p[0],
            g[1] * p[1],
            (g[2] - g[3]) * p[2] * p[3] / (p[2] + p[3]),  # d a / d logit mu = kappa mu (1 - mu)
            g[2] * p[2] + g[3] * p[3],
        ]
    ),
    start=np.array([0.0, 0.0, 0.0, np.log(2.0)]),  # r = alpha = a = b = 1
    bounds=[(-LOG_BOUND, LOG_BOUND)] * 3 + [(-LOG_BOUND, np.log(CONCENTRATION_CAP))],
)
# Gamma-Gamma walks in (ln p, ln q, ln gamma/q): the same run-off happens when spend
# hardly varies between customers (q and gamma grow together), and q is capped alike.
_GAMMA_GAMMA = _Coordinates(
    params=lambda t: np.array([np.exp(t[0]), np.exp(t[1]), np.exp(t[1] + t[2])]),
    chain=lambda t, p, g: np.array([g[0] * p[0], g[1] * p[1] + g[2] * p[2], g[2] * p[2]]),
    start=np.zeros(3),
    bounds=[(-LOG_BOUND, LOG_BOUND), (-LOG_BOUND, np.log(CONCENTRATION_CAP))]
    + [(-LOG_BOUND, LOG_BOUND)],
)


def _fit(log_likelihood, gradient, coordinates: _Coordinates, arrays, weights):
    """Maximise the summed log-likelihood with its analytic gradient. Returns (params,
    total log-likelihood); FitError when the optimiser does not reach a maximum.

    L-BFGS-B, then a second run with tight tolerances from its answer (the likelihood is
    flat near its top, and the published estimates are reproduced to their last digit
    only at the true maximum); Nelder-Mead from the best point when the gradient there is
    not yet flat. Converged means: the gradient of the mean log-likelihood is below
    GRADIENT_TOLERANCE in every coordinate that is not pinned at a bound (a parameter at
    a bound other than the cap is refused by the plausibility check)."""
    total_weight = weights.sum()

    def negative(theta):
        params = coordinates.params(theta)
        total = np.dot(weights, log_likelihood(params, *arrays))
        if not np.isfinite(total):
            return 1e300, np.zeros_like(theta)
        slope = coordinates.chain(theta, params, gradient(params, *arrays) @ weights)
        return -total / total_weight, -slope / total_weight

    lows, highs = np.array(coordinates.bounds).T

    def flat(theta) -> bool:
        value, slope = negative(theta)
        free = (theta > lows + 1e-6) & (theta < highs - 1e-6)
        return value < 1e300 and bool(np.all(np.abs(slope[free]) < GRADIENT_TOLERANCE))

    bounds = coordinates.bounds
    first = minimize(negative, coordinates.start, jac=True, method="L-BFGS-B", bounds=bounds)
    tight = {"ftol": 1e-15, "gtol": 1e-10, "maxiter": 2000}
    second = minimize(negative, first.x, jac=True, method="L-BFGS-B", bounds=bounds, options=tight)
    best = min((first, second), key=lambda result: result.fun)
    if not flat(best.x):
        best = minimize(
            lambda point: negative(point)[0],
            best.x,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-9, "fatol": 1e-13, "maxfev": 1500, "adaptive": True},
        )
        if not flat(best.x):
            raise FitError("not_converged", f"the optimiser stopped: {best.message}")
    if best.fun >= 1e300 or not np.isfinite(best.fun):
        raise FitError("not_converged", "the likelihood is not finite anywhere the optimiser went")
    return coordinates.params(best.x), -best.fun * total_weight


def _compress(*columns):
    """The distinct rows of the given columns and how often each occurs: customers with
    the same history share one likelihood term, which makes a million-customer fit cheap."""
    stacked = np.column_stack(columns)
    rows, counts = np.unique(stacked, axis=0, return_counts=True)
    return [rows[:, i] for i in range(rows.shape[1])], counts.astype(float)


def bgnbd_fit(x, t_x, T) -> BgNbd:
    """Fit r, alpha, a, b by maximum likelihood."""
    arrays, weights = _compress(x, t_x, T)
    (r, alpha, a, b), ll = _fit(bgnbd_log_likelihood, bgnbd_gradient, _BGNBD, arrays, weights)
    return BgNbd(r=float(r), alpha=float(alpha), a=float(a), b=float(b), log_likelihood=ll)


def gamma_gamma_fit(x, z) -> GammaGamma:
    """Fit p, q, gamma on the repeat buyers (x > 0, z > 0)."""
    arrays, weights = _compress(x, z)
    (p, q, gamma), ll = _fit(
        gamma_gamma_log_likelihood, gamma_gamma_gradient, _GAMMA_GAMMA, arrays, weights
    )
    return GammaGamma(p=float(p), q=float(q), gamma=float(gamma), log_likelihood=ll)


def p_alive(model: BgNbd, x, t_x, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) (A / B)^(r + x)), with
    A = alpha + T and B = alpha + t_x.

    BG/NBD lets a customer drop out only right after a repeat order, so a customer with
    no repeat order (x = 0) is alive with probability 1 (docs/metrics.md)."""
    repeat = x > 0
    log_odds = (
        np.log(model.a)
        - np.log(np.where(repeat, model.b + x - 1, 1.0))
        + (model.r + x) * (np.log(model.alpha + T) - np.log(model.alpha + t_x))
    )
    return np.where(repeat, expit(-log_odds), 1.0)


def expected_orders(model: BgNbd, t: float, x, t_x, T, alive=None) -> np.ndarray:
    """E[Y(t) | x, t_x, T]: the expected order days in the next t weeks (equation 10):
    P(alive) times the expectation for a customer still alive."""
    alive = p_alive(model, x, t_x, T) if alive is None else alive
    if t <= 0:
        return np.zeros_like(alive)
    if abs(model.a - 1) < NEAR_ONE:
        # (a + b + x - 1) / (a - 1) [1 - ...] is 0/0 at a = 1, a removable singularity:
        # interpolate between the values just either side of it.
        low = _expected_if_alive(replace(model, a=1 - NEAR_ONE), t, x, T)
        high = _expected_if_alive(replace(model, a=1 + NEAR_ONE), t, x, T)
        share = (model.a - (1 - NEAR_ONE)) / (2 * NEAR_ONE)
        return ((1 - share) * low + share * high) * alive
    return _expected_if_alive(model, t, x, T) * alive


def _expected_if_alive(model: BgNbd, t: float, x, T) -> np.ndarray:
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    z = t / (alpha + T + t)
    hyper = hyp2f1(r + x, b + x, a + b + x - 1, z)
    bracket = 1 - np.exp((r + x) * np.log((alpha + T) / (alpha + T + t))) * hyper
    return (a + b + x - 1) / (a - 1) * bracket


def expected_spend(model: GammaGamma, x, z) -> np.ndarray:
    """E[M | x, z]: a customer's expected spend per order day, their own mean shrunk
    towards the population's p gamma / (q - 1) (for x = 0, exactly the population's)."""
    p, q, gamma = model.p, model.q, model.gamma
    z = np.where(x > 0, z, 0.0)
    return p * (gamma + x * z) / (p * x + q - 1)


def clv(
    bgnbd: BgNbd,
    spend: np.ndarray,
    x,
    t_x,
    T,
    *,
    months: int = 12,
    margin: float = 1.0,
    annual_discount: float = 0.0,
    alive=None,
) -> tuple[np.ndarray, np.ndarray]:
    """(expected order days, CLV) over the next `months`: each month's expected order
    days times the expected spend and the margin, discounted monthly at the annual rate."""
    alive = p_alive(bgnbd, x, t_x, T) if alive is None else alive
    value = np.zeros_like(alive, dtype=float)
    before = np.zeros_like(value)
    monthly = (1 + annual_discount) ** (1 / 12)
    for month in range(1, months + 1):
        upto = expected_orders(bgnbd, month * WEEKS_PER_MONTH, x, t_x, T, alive=alive)
        value += (upto - before) / monthly**month
        before = upto
    return before, value * spend * margin

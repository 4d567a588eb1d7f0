"""Tests for the scalar Lp proximal operator in ``prox_lp.py``.

The reference for correctness is the scalar objective itself,
``f(z) = 0.5 (z - x)**2 + u |z|**p``: the prox must attain the global
minimum of ``f`` (checked against brute force), satisfy the stationarity
equation, and respect the threshold / gap structure for ``p < 1``.
"""

import math

import numpy as np
import pytest
from _compiled import entry
from scipy.optimize import minimize_scalar

from sparsecert._kernels.prox_lp import (
    _prox_lp_bisections,
    _prox_lp_iterations,
    _prox_lp_newton,
    lp_beta,
    lp_fixed_point_violation,
    lp_threshold,
    lp_value,
    prox_lp,
)

# compiled-only helpers (no Python entry point), called here through one
(_prox_lp_bisections, _prox_lp_iterations, _prox_lp_newton, lp_beta, lp_fixed_point_violation,
 lp_threshold, lp_value, prox_lp) = map(entry, (
    _prox_lp_bisections, _prox_lp_iterations, _prox_lp_newton, lp_beta,
    lp_fixed_point_violation, lp_threshold, lp_value, prox_lp))

P_ALL = [0.1, 0.25, 0.5, 2.0 / 3.0, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0, 4.0]
P_SUB = [p for p in P_ALL if p < 1.0]
P_SUP = [p for p in P_ALL if p > 1.0]
P_NOT1 = [p for p in P_ALL if p != 1.0]
# Exponents outside the main list that stress the solver (p -> 0, p -> 1
# from both sides, large p).
P_STRESS = [0.01, 0.99, 0.999, 1.001, 1.01, 1.05, 1.99, 2.01, 10.0, 50.0]


def pid(p):
    return f"p={p:.6g}"


def objective(z, x, u, p):
    """f(z) = 0.5 (z - x)^2 + u |z|^p (numpy, works on arrays)."""
    return 0.5 * (z - x) ** 2 + u * np.abs(z) ** p


def brute_force_min(x, u, p):
    """Global minimum value of f by a fine grid plus bounded Brent refinement.

    The grid has 200001 points on [-(|x|+1), |x|+1] (it contains the whole
    interval [0, x] where the minimiser lives); Brent then refines within
    one grid cell on either side of the best grid point.  z = 0 is always a
    candidate (the kink of |z|^p).  Every candidate is a feasible point, so
    the returned value is an upper bound on the true minimum -- exactly what
    the test ``f(prox) <= brute + tol`` needs.
    """
    r = abs(x) + 1.0
    grid = np.linspace(-r, r, 200001)
    vals = objective(grid, x, u, p)
    i = int(np.argmin(vals))
    h = grid[1] - grid[0]
    lo = grid[max(i - 1, 0)]
    hi = grid[min(i + 1, grid.size - 1)]
    best = min(float(vals[i]), float(objective(0.0, x, u, p)))
    if hi > lo:
        res = minimize_scalar(
            lambda z: float(objective(z, x, u, p)),
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": max(1e-13 * r, 1e-16 * h)},
        )
        best = min(best, float(res.fun))
    return best


def random_cases(rng, p, n_broad, n_targeted):
    """(x, u) pairs: broad log-uniform draws plus draws near the hard spots.

    Broad: |x| in 1e-6..1e3 (both signs), u in 1e-4..1e2.  Targeted: for
    p < 1, |x| within a factor (1 +- 10^-8..10^-1) of tau (objective of the
    zero and nonzero candidates nearly tied); for p > 1, |x| around the
    scale where both terms of the stationarity equation are comparable.
    """
    cases = []
    for _ in range(n_broad):
        x = rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-6.0, 3.0)
        u = 10.0 ** rng.uniform(-4.0, 2.0)
        cases.append((float(x), float(u)))
    for _ in range(n_targeted):
        u = 10.0 ** rng.uniform(-4.0, 2.0)
        sgn = rng.choice([-1.0, 1.0])
        if p < 1.0:
            rel = 10.0 ** rng.uniform(-8.0, -1.0) * rng.choice([-1.0, 1.0])
            x = sgn * lp_threshold(u, p) * (1.0 + rel)
        elif p != 2.0:
            # u p a^(p-2) ~ 1  <=>  a ~ (u p)^(1/(2-p)); clipped to 1e-8..1e8
            # because for p near 2 that scale is astronomically large/small.
            lg = math.log10(u * p) / (2.0 - p) + rng.uniform(-1.0, 1.0)
            x = sgn * 10.0 ** min(max(lg, -8.0), 8.0)
        else:
            x = sgn * 10.0 ** rng.uniform(-6.0, 3.0)
        cases.append((float(x), float(u)))
    return cases


def root_underflows(x, u, p):
    """For p > 1: is the true prox magnitude below ~1e-300?

    In the penalty-dominated regime the root of z + u p z^(p-1) = |x| is
    z ~ (|x| / (u p))^(1/(p-1)) (an upper bound on the root), so if that is
    below 1e-300 an exact 0 (underflow) is legitimate.
    """
    log_z = (math.log(abs(x)) - math.log(u * p)) / (p - 1.0)
    return log_z < math.log(1e-300)


def stationarity_residual(z, x, u, p):
    """| |z| + u p |z|^(p-1) - |x| | / |x| for a nonzero prox value z."""
    a = abs(z)
    return abs(a + u * p * a ** (p - 1.0) - abs(x)) / abs(x)


# ---------------------------------------------------------------------------
# Gap and threshold
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", P_SUB + [0.01, 0.999], ids=pid)
def test_beta_tau_definitions(p):
    for u in 10.0 ** np.linspace(-4.0, 2.0, 7):
        beta = lp_beta(u, p)
        tau = lp_threshold(u, p)
        assert beta > 0.0 and tau > beta
        assert tau == pytest.approx((2 - p) / (2 * (1 - p)) * beta, rel=1e-15)
        # beta^(2-p) = 2 u (1-p)
        assert beta ** (2.0 - p) == pytest.approx(2 * u * (1 - p), rel=1e-13)
        # beta is the stationary point for |x| = tau ...
        assert beta + u * p * beta ** (p - 1.0) == pytest.approx(tau, rel=1e-13)
        # ... with the same objective as z = 0 (the tie).
        f0 = objective(0.0, tau, u, p)
        fb = objective(beta, tau, u, p)
        assert abs(fb - f0) <= 1e-12 * f0


def test_beta_tau_conventions():
    for u in (0.0, 1e-3, 2.5):
        assert lp_beta(u, 1.0) == 0.0 and lp_threshold(u, 1.0) == u
        for p in (1.2, 2.0, 3.0):
            assert lp_beta(u, p) == 0.0 and lp_threshold(u, p) == 0.0
    for p in P_SUB:
        assert lp_beta(0.0, p) == 0.0 and lp_threshold(0.0, p) == 0.0
    assert math.isnan(lp_beta(1.0, 0.0)) and math.isnan(lp_beta(1.0, -1.0))
    assert math.isnan(lp_threshold(-1.0, 0.5))
    # p -> 1-: tau -> u (continuity with soft thresholding)
    assert lp_threshold(3.0, 1.0 - 1e-9) == pytest.approx(3.0, rel=1e-7)
    # huge / tiny weights stay finite and positive
    for u in (1e-320, 1e-300, 1e300, 1e308):
        for p in (0.1, 0.5, 0.9):
            b, t = lp_beta(u, p), lp_threshold(u, p)
            assert 0.0 < b < math.inf and 0.0 < t < math.inf


# ---------------------------------------------------------------------------
# Global optimality against brute force
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", P_ALL + [0.01, 0.99, 1.05, 10.0], ids=pid)
def test_prox_matches_bruteforce(p):
    rng = np.random.default_rng(12345 + int(1000 * p))
    for x, u in random_cases(rng, p, n_broad=30, n_targeted=14):
        z = prox_lp(x, u, p)
        fz = objective(z, x, u, p)
        fb = brute_force_min(x, u, p)
        scale = 0.5 * x * x + u * abs(x) ** p
        assert fz <= fb + 1e-12 * scale, (x, u, p, z, fz, fb)
        assert abs(z) <= abs(x)
        assert z == 0.0 or np.sign(z) == np.sign(x)


# ---------------------------------------------------------------------------
# Threshold behaviour for p < 1
# ---------------------------------------------------------------------------

U_GRID = [1e-4, 3e-3, 0.1, 1.0, 7.0, 100.0]


@pytest.mark.parametrize("p", P_SUB, ids=pid)
def test_tie_at_threshold_returns_zero(p):
    for u in U_GRID:
        tau = lp_threshold(u, p)
        beta = lp_beta(u, p)
        assert prox_lp(tau, u, p) == 0.0
        assert prox_lp(-tau, u, p) == 0.0
        # The nonzero candidate at x = tau (the root just above the tie, and
        # beta itself) has the same objective as 0 up to 1e-12 relative.
        z_up = prox_lp(np.nextafter(tau, np.inf), u, p)
        f0 = objective(0.0, tau, u, p)
        for cand in (z_up, beta):
            assert abs(objective(cand, tau, u, p) - f0) <= 1e-12 * f0


@pytest.mark.parametrize("p", P_SUB, ids=pid)
def test_just_above_and_below_threshold(p):
    for u in U_GRID:
        tau = lp_threshold(u, p)
        beta = lp_beta(u, p)
        for x in (np.nextafter(tau, np.inf), tau * (1 + 1e-12), tau * (1 + 1e-6)):
            for s in (1.0, -1.0):
                z = prox_lp(s * x, u, p)
                assert z != 0.0 and np.sign(z) == s
                assert abs(z) >= beta * (1.0 - 1e-12)
                assert abs(z) <= x
        for x in (np.nextafter(tau, 0.0), tau * (1 - 1e-12), tau * (1 - 1e-6)):
            assert prox_lp(x, u, p) == 0.0
            assert prox_lp(-x, u, p) == 0.0
        # Directly at the gap: just above tau the prox is ~beta.
        z = prox_lp(np.nextafter(tau, np.inf), u, p)
        assert z == pytest.approx(beta, rel=1e-10)


# ---------------------------------------------------------------------------
# Structural properties
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", P_NOT1 + P_STRESS, ids=pid)
def test_stationarity_when_nonzero(p):
    rng = np.random.default_rng(777 + int(100 * p))
    n_nonzero = 0
    for x, u in random_cases(rng, p, n_broad=300, n_targeted=100):
        z = prox_lp(x, u, p)
        if z == 0.0:
            if p > 1.0:
                assert root_underflows(x, u, p), (x, u, p)
                continue
            assert abs(x) <= lp_threshold(u, p)
            continue
        n_nonzero += 1
        if abs(z) < 1e-290:
            # Subnormal / near-underflow result (p near 1+): only a few
            # significant bits survive, stationarity cannot hold to 1e-13.
            continue
        assert stationarity_residual(z, x, u, p) <= 1e-13, (x, u, p, z)
        if p < 1.0:
            assert abs(x) > lp_threshold(u, p)
            assert abs(z) >= lp_beta(u, p) * (1.0 - 1e-12)
    assert n_nonzero > 50


@pytest.mark.parametrize("p", P_ALL + P_STRESS, ids=pid)
def test_odd_symmetry(p):
    rng = np.random.default_rng(4242)
    for x, u in random_cases(rng, p, n_broad=200, n_targeted=50):
        assert prox_lp(-x, u, p) == -prox_lp(x, u, p)


@pytest.mark.parametrize("p", P_ALL + P_STRESS, ids=pid)
def test_monotone_nondecreasing(p):
    pos = np.geomspace(1e-6, 1e3, 1500)
    xs = np.concatenate([-pos[::-1], [0.0], pos])
    for u in (1e-4, 0.05, 1.0, 100.0):
        if p < 1.0:  # densify around +-tau, where the prox jumps
            t = lp_threshold(u, p)
            near = t * (1.0 + np.linspace(-1e-3, 1e-3, 201))
            xs_u = np.sort(np.concatenate([xs, near, -near]))
        else:
            xs_u = xs
        z = np.array([prox_lp(float(x), u, p) for x in xs_u])
        dz = np.diff(z)
        tol = 4e-16 * np.maximum(np.abs(z[1:]), np.abs(z[:-1]))
        assert np.all(dz >= -tol), (p, u, dz.min())


@pytest.mark.parametrize("p", P_ALL + P_STRESS, ids=pid)
def test_trivial_inputs(p):
    for x in (-1e150, -3.5, -1e-200, 1e-300, 2.0, 1e300):
        assert prox_lp(x, 0.0, p) == x  # u = 0: identity
    for u in (0.0, 1e-300, 1.0, 1e300):
        assert prox_lp(0.0, u, p) == 0.0  # x = 0
    assert math.isnan(prox_lp(math.nan, 1.0, p))
    assert prox_lp(math.inf, 1.0, p) == math.inf
    assert prox_lp(-math.inf, 1.0, p) == -math.inf
    assert math.isnan(prox_lp(1.0, -1.0, p))


def test_invalid_exponent():
    assert math.isnan(prox_lp(1.0, 1.0, 0.0))
    assert math.isnan(prox_lp(1.0, 1.0, -0.5))
    assert math.isnan(prox_lp(1.0, 1.0, math.nan))


def test_p1_soft_thresholding_and_p2_closed_form():
    rng = np.random.default_rng(3)
    for _ in range(500):
        x = float(rng.choice([-1, 1]) * 10.0 ** rng.uniform(-6, 3))
        u = float(10.0 ** rng.uniform(-4, 2))
        assert prox_lp(x, u, 1.0) == np.sign(x) * max(abs(x) - u, 0.0)
        assert prox_lp(x, u, 2.0) == x / (1.0 + 2.0 * u)
    assert prox_lp(2.0, 2.0, 1.0) == 0.0  # tie rule |x| == u -> 0
    assert prox_lp(1e300, 1e308, 2.0) == pytest.approx(0.5e-8, rel=1e-15)


@pytest.mark.parametrize("p", P_SUP + [1.001, 1.01, 10.0], ids=pid)
def test_p_gt_1_never_exact_zero(p):
    rng = np.random.default_rng(99)
    for x, u in random_cases(rng, p, n_broad=500, n_targeted=100):
        assert prox_lp(x, u, p) != 0.0 or root_underflows(x, u, p)
    # Strongly penalty-dominated but still representable results.
    for x in (1e-6, -1e-6, 1e-3):
        for u in (1e2, 1e4):
            if p in P_SUP:
                z = prox_lp(x, u, p)
                assert z != 0.0 and np.sign(z) == np.sign(x)


# ---------------------------------------------------------------------------
# Closed forms (p = 1/2, p = 2/3) against the Newton path
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.5, 2.0 / 3.0], ids=pid)
def test_closed_forms_agree_with_newton(p):
    rng = np.random.default_rng(2024)
    worst = 0.0
    ratios = np.concatenate(
        [
            1.0 + np.geomspace(1e-15, 1e-1, 40),  # just above the threshold
            np.geomspace(1.1, 1e12, 60),  # up to far above it
        ]
    )
    for u in (10.0 ** rng.uniform(-250.0, 250.0, size=12)).tolist() + [1.0, 1e-4, 1e2]:
        tau = lp_threshold(u, p)
        for r in ratios:
            x = tau * r
            if not (x < 1e300):
                continue
            zc = prox_lp(x, u, p)
            zn = _prox_lp_newton(x, u, p)
            assert zc != 0.0 and zn != 0.0
            rel = abs(zc - zn) / abs(zn)
            worst = max(worst, rel)
            assert rel <= 1e-12, (x, u, p, zc, zn)
    # In practice the two agree to a few ulps.
    assert worst <= 1e-14


# ---------------------------------------------------------------------------
# Extreme scales
# ---------------------------------------------------------------------------

EXTREME_X = [1e-300, 1e-150, 1e-20, 1.0, 1e20, 1e150, 1e300]
EXTREME_U = [5e-324, 1e-300, 1e-150, 1e-10, 1.0, 1e10, 1e150, 1e300, 1e308]


@pytest.mark.parametrize("p", P_ALL + P_STRESS, ids=pid)
def test_extreme_scales_finite_and_consistent(p):
    for x0 in EXTREME_X:
        for u in EXTREME_U:
            for x in (x0, -x0):
                z = prox_lp(x, u, p)
                assert math.isfinite(z), (x, u, p, z)
                assert abs(z) <= abs(x)
                assert z == 0.0 or np.sign(z) == np.sign(x)
                a = abs(x)
                if z == 0.0:
                    if p < 1.0:
                        assert a <= lp_threshold(u, p)
                    elif p == 1.0:
                        assert a <= u
                    elif p == 2.0:
                        assert a / (1.0 + 2.0 * u) < 1e-300 or a / u < 1e-300
                    else:
                        # Only allowed when the true root underflows.
                        assert root_underflows(x, u, p), (x, u, p)
                    continue
                if p < 1.0:
                    assert a > lp_threshold(u, p)
                # Stationarity, evaluated in log space so nothing overflows:
                # |z|/a + exp(log(u p) + (p-1) log|z| - log a) = 1.
                # Skipped for subnormal results (few significant bits).
                if p != 1.0 and abs(z) > 1e-300:
                    az = abs(z)
                    pen = math.exp(
                        math.log(u) + math.log(p) + (p - 1.0) * math.log(az) - math.log(a)
                    )
                    assert abs(az / a + pen - 1.0) <= 1e-10, (x, u, p, z)


def test_extreme_examples():
    # Large x with tiny weight: prox ~ x.
    for p in P_ALL:
        if p <= 3.0:  # for p = 4, 4u z^3 ~ 4e150 is NOT negligible
            assert prox_lp(1e150, 1e-300, p) == pytest.approx(1e150, rel=1e-15)
    # p = 4: z + 4e-300 z^3 = 1e150 has the root z = 5e149 exactly.
    assert prox_lp(1e150, 1e-300, 4.0) == pytest.approx(5e149, rel=1e-14)
    # Penalty-dominated p > 1 results far below |x| are still resolved.
    z = prox_lp(1e150, 1e300, 1.5)  # z ~ (x / (1.5 u))^2
    assert z == pytest.approx((1e150 / 1.5e300) ** 2, rel=1e-12)
    z = prox_lp(1e-300, 1e-300, 3.0)  # z + 3u z^2 = x, z ~ x
    assert z == pytest.approx(1e-300, rel=1e-12)


# ---------------------------------------------------------------------------
# Penalty value and fixed-point violation
# ---------------------------------------------------------------------------


def test_lp_value():
    assert lp_value(0.0, 3.0, 0.5) == 0.0
    assert lp_value(0.0, 3.0, 2.0) == 0.0
    assert lp_value(2.0, 0.0, 0.5) == 0.0
    assert lp_value(-4.0, 3.0, 0.5) == pytest.approx(6.0, rel=1e-15)
    assert lp_value(-2.0, 0.5, 3.0) == pytest.approx(4.0, rel=1e-15)
    assert lp_value(1e-300, 2.0, 0.1) == pytest.approx(2.0 * 1e-30, rel=1e-13)


@pytest.mark.parametrize("p", P_ALL, ids=pid)
def test_fixed_point_violation_zero_at_fixed_points(p):
    rng = np.random.default_rng(555)
    for _ in range(300):
        L = float(10.0 ** rng.uniform(-2, 3))
        a = float(10.0 ** rng.uniform(-3, 2))
        y = float(rng.choice([-1, 1]) * 10.0 ** rng.uniform(-4, 3))
        u = a / L
        # Stay away from the discontinuity of the prox at |y| = tau, where a
        # rounding of y could legitimately flip between 0 and ~beta.
        if p < 1.0 and abs(abs(y) - lp_threshold(u, p)) < 1e-6 * abs(y):
            continue
        w = prox_lp(y, u, p)
        g = L * (w - y)  # then w - g/L = y (up to rounding), a fixed point
        viol = lp_fixed_point_violation(w, g, L, a, p)
        assert viol <= 1e-12 * L * max(abs(y), abs(w), 1e-300), (w, g, L, a, p, viol)
    # Zero with a small gradient is an exact fixed point (violation == 0).
    for L in (0.5, 1.0, 20.0):
        for a in (0.01, 1.0):
            t = lp_threshold(a / L, p)
            if t > 0.0:
                for frac in (0.0, 0.3, 0.999):
                    g = frac * t * L
                    assert lp_fixed_point_violation(0.0, g, L, a, p) == 0.0
                    assert lp_fixed_point_violation(0.0, -g, L, a, p) == 0.0
    # Tie rule: with L = 1 the shifted point is exactly tau, prox is 0.
    if p <= 1.0:
        t = lp_threshold(0.7, p)
        assert lp_fixed_point_violation(0.0, t, 1.0, 0.7, p) == 0.0


@pytest.mark.parametrize("p", P_ALL, ids=pid)
def test_fixed_point_violation_positive_for_bad_zero(p):
    for L in (0.5, 1.0, 20.0):
        for a in (0.01, 1.0, 30.0):
            u = a / L
            t = lp_threshold(u, p)
            # |g|/L just above tau (or any nonzero g when tau == 0, p > 1).
            gl = t * (1.0 + 1e-6) if t > 0.0 else 1e-3
            for g in (gl * L, -gl * L):
                viol = lp_fixed_point_violation(0.0, g, L, a, p)
                assert viol > 0.0
                # The violation is L * |prox(-g/L)|, which for p < 1 is at
                # least L * beta (the gap): a certificate-grade margin.
                if p < 1.0:
                    assert viol >= L * lp_beta(u, p) * (1.0 - 1e-12)
    # Nonzero w that is not stationary: violation equals L*|w - prox(.)|.
    w, g, L, a = 1.0, 0.3, 2.0, 0.4
    expect = L * abs(w - prox_lp(w - g / L, a / L, p))
    assert lp_fixed_point_violation(w, g, L, a, p) == expect > 0.0


# ---------------------------------------------------------------------------
# Solver diagnostics
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", P_NOT1, ids=pid)
def test_newton_iterations_small_without_bisection(p):
    """For the standard exponents Newton converges in a handful of steps and
    the bisection fallback is never needed, even over extreme scales."""
    rng = np.random.default_rng(31337)
    worst = 0.0
    for _ in range(2000):
        x = float(10.0 ** rng.uniform(-300, 300))
        u = float(10.0 ** rng.uniform(-300, 300))
        worst = max(worst, _prox_lp_iterations(x, u, p))
        assert _prox_lp_bisections(x, u, p) == 0.0
    for x, u in random_cases(rng, p, n_broad=200, n_targeted=200):
        worst = max(worst, _prox_lp_iterations(x, u, p))
        assert _prox_lp_bisections(x, u, p) == 0.0
    assert worst <= 8


@pytest.mark.parametrize("p", P_STRESS + [1.0 + 1e-9, 1.0 + 1e-6, 1e3], ids=pid)
def test_iterations_bounded_for_stress_exponents(p):
    """Near p = 1+ and for large p the iteration may fall back to bisection
    when both terms balance (u p |x|^(p-2) ~ 1); it must stay well below
    the 100-iteration cap and still satisfy stationarity."""
    for u in (1e-3, 1.0, 1e3):
        for c in (1e-3, 0.5, 1.0 - 1e-8, 1.0, 1.0 + 1e-8, 2.0, 1e3):
            if p == 2.0:
                continue
            log_x = math.log(c / (u * p)) / (p - 2.0)
            if not (-690.0 < log_x < 690.0):
                continue
            x = math.exp(log_x)
            assert _prox_lp_iterations(x, u, p) <= 40
            z = prox_lp(x, u, p)
            if z != 0.0 and p != 1.0:
                assert stationarity_residual(z, x, u, p) <= 1e-13


def test_high_precision_reference():
    """Relative accuracy against a 50-digit reference root (mpmath)."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    rng = np.random.default_rng(8)
    for p in P_NOT1:
        worst = 0.0
        for x, u in random_cases(rng, p, n_broad=15, n_targeted=10):
            z = prox_lp(x, u, p)
            if z == 0.0:
                continue
            X, U, P = mp.mpf(abs(x)), mp.mpf(u), mp.mpf(p)
            f = lambda t: t + U * P * t ** (P - 1) - X  # noqa: E731
            df = lambda t: 1 + U * P * (P - 1) * t ** (P - 2)  # noqa: E731
            root = mp.findroot(f, mp.mpf(abs(z)), df=df, solver="newton")
            rel = float(abs(mp.mpf(abs(z)) - root) / root)
            worst = max(worst, rel)
        # Conditioning: near tau (p < 1) the root's relative sensitivity to
        # rounding of x is ~ |x| / |z| <= tau/beta, and for 1 < p < 2 in the
        # penalty-dominated regime ~ 1/(p-1); both are <= ~10 here.
        assert worst <= 5e-15, (p, worst)


def test_high_precision_reference_extreme_scales():
    """Relative accuracy over the whole float64 range of x and u.

    The reference is a 60-digit Newton refinement in s = log(z/|x|) of the
    equation e^s + c e^{(p-1)s} = 1 (c = u p |x|^(p-2)), started from the
    computed value (it converges quadratically to the same root).
    """
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 60
    rng = np.random.default_rng(21)
    for p in [0.1, 0.5, 2.0 / 3.0, 0.9, 1.2, 1.5, 3.0, 4.0]:
        worst = 0.0
        checked = 0
        for _ in range(40):
            x = float(10.0 ** rng.uniform(-300, 300))
            u = float(10.0 ** rng.uniform(-300, 300))
            z = prox_lp(x, u, p)
            if z < 1e-300:  # zero (thresholded / underflow) or subnormal
                continue
            checked += 1
            X, U, P = mp.mpf(x), mp.mpf(u), mp.mpf(p)
            C = U * P * X ** (P - 2)
            s = mp.log(mp.mpf(z) / X)
            for _ in range(8):
                es, eps_ = mp.e ** s, mp.e ** ((P - 1) * s)
                s -= (es + C * eps_ - 1) / (es + C * (P - 1) * eps_)
            root = X * mp.e ** s
            worst = max(worst, float(abs(mp.mpf(z) - root) / root))
        assert checked >= 10
        assert worst <= 4e-15, (p, worst)

"""``solve``: the one entry point, which picks the solver for a problem.

Each solver's module, and with it its kernels, is imported when a problem
first needs it (:func:`_solver_for`): a Lasso fit in a fresh process does
not define the logistic, group or FISTA kernels (each compiled function's
dispatcher costs a little to create, and so does its module).
"""

from .._kernels import codes


def solve(problem, w0=None, b0=None, *, tol=1e-4, max_iter=1000, solver="auto", verbose=0):
    """Minimize F(w, b) + G(w) for ``problem``; return a :class:`SolverResult`.

    Parameters
    ----------
    problem : sparsecert._problem.Problem
    w0, b0 : starting point (zeros and the best intercept at zero by default)
    tol : float
        Scale-free tolerance: stop when max violation <= tol * problem.scale
        and, for a convex problem, relative duality gap <= tol.
    max_iter : int
        Maximum number of epochs (CD passes over the working set) for the
        quadratic datafit; of outer proximal Newton iterations for the
        logistic one; of iterations for FISTA.
    solver : {"auto", "cd", "fista"}
        "auto" and "cd" pick coordinate descent (proximal Newton with CD inner
        solves for the logistic datafit): for these separable penalties a CD
        epoch costs one pass over X, as a FISTA iteration does (two passes in
        fact), but moves every coordinate with its own curvature, so it needs
        far fewer passes. "fista" (:func:`_solve_fista`, any datafit) is for
        users who ask for it and for future distributed use, where a
        full-gradient method parallelizes and CD does not.

    The result's ``n_passes`` counts the problem's passes over X so far, its
    set-up included (:class:`sparsecert._problem.Work`).
    """
    # called here, not through a wrapper, so that the solvers' warnings keep
    # pointing at the user's call
    res = _solver_for(problem, solver)(problem, w0, b0, tol, max_iter, verbose)
    if problem.work is not None:
        res.n_passes = problem.work.passes
        if verbose:
            print(f"[sparsecert] {res.n_iter} iterations, {res.n_passes:.2f} passes over X "
                  f"(set-up and certificates included)")
    return res


def _solver_for(problem, solver):
    """The ``_solve_*`` function for ``problem`` and the ``solver`` asked for."""
    if problem.pen_code == codes.GROUP_LASSO:
        if solver not in ("auto", "cd"):
            raise ValueError(f"The group lasso is solved by block coordinate descent only "
                             f"(solver='auto' or 'cd'); got solver={solver!r}.")
        from .group_cd import _solve_group_cd

        return _solve_group_cd
    if solver == "fista":
        if not getattr(problem.penalty, "convex", True):
            # the local certificate is coordinate-wise L-stationarity, the
            # fixed-point condition of coordinate descent; a full-gradient
            # step with one global step size has other fixed points, so FISTA
            # can stall at a point the certificate rightly rejects
            raise ValueError(
                "solver='fista' cannot certify the nonconvex Lp penalty (p < 1): its "
                "fixed points are not the coordinate-wise L-stationary points the "
                "certificate checks. Use solver='cd' (or 'auto').")
        from .fista import _solve_fista

        return _solve_fista
    if solver not in ("auto", "cd"):
        raise ValueError(f"solver must be 'auto', 'cd' or 'fista'; got {solver!r}.")
    if problem.df_code == codes.LOGISTIC:
        if not getattr(problem.penalty, "convex", True):
            # a Newton model's curvature has other fixed points than the
            # L-stationary points the local certificate checks
            from .lp_logistic import _solve_cd_logistic_fixed

            return _solve_cd_logistic_fixed
        from .prox_newton import _solve_prox_newton

        return _solve_prox_newton
    if problem.df_code != codes.QUADRATIC:
        raise ValueError("Coordinate descent here handles the quadratic datafit only.")
    solver = _LOADED.get("cd")
    if solver is None:
        from .cd import _solve_cd_quadratic

        solver = _LOADED["cd"] = _solve_cd_quadratic  # every small fit asks again
    return solver


_LOADED = {}  # the least-squares CD solver, once imported

"""``MultiTaskCertificate.explain``: the multi-task lasso's certificate in words, by feature."""

import numpy as np


def multitask_repr(cert):
    """The one-line summary of a ``MultiTaskCertificate``."""
    return _block_repr(cert, "MultiTaskCertificate", f"tasks={cert.n_tasks}")


def tests_text(cert):
    """The certificate's two tests as a repr shows them, each with its own
    outcome: "max_violation=v at feature j <= tol=t is True, duality_gap=g
    (relative r <= gap_tol=e is False)" (no gap part without a gap)."""
    where = "intercept" if cert.argmax is None else f"feature {cert.argmax}"
    text = (f"max_violation={cert.max_violation:.3g} at {where} <= tol={cert.tol:.3g} is "
            f"{bool(cert.max_violation <= cert.tol)}")
    if cert.duality_gap is None:
        return text
    gap_tol = getattr(cert, "gap_tol", None)
    test = "" if gap_tol is None else (
        f" <= gap_tol={gap_tol:.3g} is {bool(cert.relative_gap <= gap_tol)}")
    return text + f", duality_gap={cert.duality_gap:.3g} (relative {cert.relative_gap:.3g}{test})"


def _block_repr(cert, kind, blocks):
    """One line: the status, the worst violation and where, the gap, the
    objective, the nonzero features and ``blocks`` (what a block spans)."""
    status = "certified" if cert.converged else "NOT certified"
    it = f", n_iter={cert.n_iter}" if cert.n_iter is not None else ""
    solver = f", solver={cert.solver!r}" if cert.solver else ""
    return (f"{kind}({status}, kind={cert.kind!r}, {tests_text(cert)}, "
            f"objective={cert.objective:.10g}, nonzero "
            f"features={cert.n_nonzero}/{cert.n_groups}, {blocks}{it}{solver})")


def multinomial_repr(cert):
    """The one-line summary of a ``MultinomialCertificate``."""
    return _block_repr(cert, "MultinomialCertificate",
                       f"nonzero coefficients={int(np.count_nonzero(cert.coef))}, "
                       f"classes={cert.n_classes}, penalty={cert.penalty!r}")


def explain_multitask(cert, feature_names=None, top=10):
    """The features that violate optimality, the zero ones nearest the edge
    of their dead zone, and the largest nonzero ones (by ||W[:, j]||_2)."""
    from ._group_certificate import explain_blocks  # here: a Lasso fit never needs it

    p = cert.n_groups
    names = ([f"x{j}" for j in range(p)] if feature_names is None
             else [str(f) for f in feature_names])
    intro = (f"quadratic datafit + {cert.penalty} penalty, alpha={cert.alpha:.6g}, "
             f"{cert.n_tasks} task(s); feature j's coefficients over the tasks, W[:, j], are "
             f"zero together when ||g_j|| <= the threshold (alpha, alpha l1_ratio for the "
             f"elastic net: its dead zone), and nonzero when g_j balances the penalty's pull.")
    return explain_blocks(cert, intro, names.__getitem__, "feature", "j", "W",
                          f"  intercepts: ||dF/db||={cert.intercept_gradient:.3g} is not 0",
                          top)


def explain_multinomial(cert, feature_names=None, top=10):
    """The features that violate optimality, the zero ones nearest the edge
    of their dead zone (all classes at 0), and the largest nonzero ones."""
    from ._group_certificate import explain_blocks  # here: a Lasso fit never needs it

    p = cert.n_groups
    names = ([f"x{j}" for j in range(p)] if feature_names is None
             else [str(f) for f in feature_names])
    if cert.grouped:
        rule = ("feature j's coefficients over the classes, W[:, j], are zero together "
                "when ||g_j||_2 <= alpha c_j (its dead zone), and nonzero when g_j "
                "balances the penalty's pull")
    else:
        rule = ("each W[k, j] is zero when |g_kj| <= alpha c_j and otherwise balances "
                "the penalty's slope; here ||g_j|| is max_k |g_kj|, so a feature with "
                "||g_j|| <= its threshold can leave every class")
    intro = (f"multinomial datafit ({cert.n_classes} classes) + {cert.penalty} penalty, "
             f"alpha={cert.alpha:.6g}; {rule}. g sums to 0 over the classes, so the "
             f"conditions ignore the softmax's redundant direction (W + 1 v^T).")
    return explain_blocks(cert, intro, names.__getitem__, "feature", "j", "W",
                          f"  intercepts: ||dF/db||={cert.intercept_gradient:.3g} is not 0",
                          top)

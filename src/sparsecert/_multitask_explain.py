"""``MultiTaskCertificate.explain``: the multi-task lasso's certificate in words, by feature."""

from ._group_certificate import explain_blocks


def multitask_repr(cert):
    """The one-line summary of a ``MultiTaskCertificate``."""
    status = "certified" if cert.converged else "NOT certified"
    gap = ("" if cert.duality_gap is None else
           f", duality_gap={cert.duality_gap:.3g} (relative {cert.relative_gap:.3g})")
    where = "intercept" if cert.argmax is None else f"feature {cert.argmax}"
    it = f", n_iter={cert.n_iter}" if cert.n_iter is not None else ""
    solver = f", solver={cert.solver!r}" if cert.solver else ""
    return (f"MultiTaskCertificate({status}, kind={cert.kind!r}, max_violation="
            f"{cert.max_violation:.3g} at {where} <= tol={cert.tol:.3g} is "
            f"{bool(cert.converged)}{gap}, objective={cert.objective:.10g}, nonzero "
            f"features={cert.n_nonzero}/{cert.n_groups}, tasks={cert.n_tasks}{it}{solver})")


def explain_multitask(cert, feature_names=None, top=10):
    """The features that violate optimality, the zero ones nearest the edge
    of their dead zone, and the largest nonzero ones (by ||W[:, j]||_2)."""
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

"""``MultiTaskCertificate.explain``: the multi-task lasso's certificate in words, by feature."""

import numpy as np


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
    gv, gm = cert.group_violation, cert.group_margin
    ng, nw, thr = cert.group_gradient_norm, cert.group_coef_norm, cert.group_threshold
    a = cert.alpha
    lines = [repr(cert), "",
             f"quadratic datafit + {cert.penalty} penalty, alpha={a:.6g}, {cert.n_tasks} "
             f"task(s); feature j's coefficients over the tasks, W[:, j], are zero together "
             f"when ||g_j|| <= the threshold (alpha, alpha l1_ratio for the elastic "
             f"net: its dead zone), and nonzero when g_j balances the penalty's pull."]
    bad = np.flatnonzero(~(gv <= cert.tol))
    if bad.size:
        lines.append(f"{bad.size} feature(s) violate optimality by more than tol:")
        for j in bad[np.argsort(-gv[bad])][:top]:
            why = ("||g_j|| exceeds the threshold: the penalty cannot hold it at 0"
                   if nw[j] == 0 else "g_j does not balance the penalty's pull")
            state = "zero" if nw[j] == 0 else f"||W_j||={nw[j]:.6g}"
            lines.append(f"  {names[j]}: {state}, ||g_j||={ng[j]:.4g}, threshold={thr[j]:.4g}, "
                         f"violation={gv[j]:.3g} ({why})")
    if abs(cert.intercept_gradient) > cert.tol_intercept:
        lines.append(f"  intercepts: ||dF/db||={cert.intercept_gradient:.3g} is not 0")
    if cert.gap_tol is not None and not cert.relative_gap <= cert.gap_tol:
        lines.append(f"The relative duality gap {cert.relative_gap:.3g} exceeds "
                     f"{cert.gap_tol:.3g}: the objective may still drop by up to "
                     f"{cert.duality_gap:.3g}.")
    ok = np.flatnonzero((nw == 0) & (gv <= cert.tol))
    if ok.size:
        order = ok[np.argsort(gm[ok])][:top]
        lines.append(f"{ok.size} zero feature(s) inside their dead zone; the {order.size} "
                     f"nearest its edge:")
        lines += [f"  {names[j]}: ||g_j||={ng[j]:.4g} <= threshold={thr[j]:.4g} "
                  f"(margin {gm[j]:.3g})"
                  for j in order]
    nz = np.flatnonzero(nw > 0)
    if nz.size:
        order = nz[np.argsort(-nw[nz])][:top]
        lines.append(f"{nz.size} nonzero feature(s); the {order.size} largest:")
        lines += [f"  {names[j]}: ||W_j||={nw[j]:.6g}, ||g_j||={ng[j]:.4g}, "
                  f"violation={gv[j]:.3g}" for j in order]
    return "\n".join(lines)

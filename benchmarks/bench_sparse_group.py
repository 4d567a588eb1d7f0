"""Time to a certified group / sparse-group lasso: sparsecert vs skglm 0.5.

Riboflavin (centred, groups of 4) least squares and leukemia (groups of 3)
logistic, no intercept (skglm's sparse-group penalty takes none), at
alpha_max/10 and /50, rho = 0 and 0.5. Both must reach a point that
``check_optimality`` certifies at tol 1e-6; skglm's tol and max_epochs are
tightened until it does (its LogisticGroup is given its own group Lipschitz
constants: see tests/test_sparse_group.py::_skglm). Compile policy: warm-up
excluded; best of 5 runs.

Run: PYTHONPATH=src python benchmarks/bench_sparse_group.py (needs ../shared/data)
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
import numpy as np, sparsecert as sc
import test_sparse_group as T
from sparsecert.penalties import SparseGroupLasso as SGL
TARGET = 1e-6
def best(f, reps=5):
    ts=[]
    for _ in range(reps):
        t=time.perf_counter(); out=f(); ts.append(time.perf_counter()-t)
    return min(ts), out
rows=[]
for name,size,datafit,ratio in [("riboflavin_hdi.npz",4,"quadratic",10),("riboflavin_hdi.npz",4,"quadratic",50),
                                 ("leukemia_golub1999_38x3051.npz",3,"logistic",10),("leukemia_golub1999_38x3051.npz",3,"logistic",50)]:
    X,y=T._real(name,size)
    if datafit=="quadratic":
        X,y=np.asfortranarray(X-X.mean(0)),y-y.mean()
    for rho in (0.0,0.5):
        pen=SGL(1.0,size,rho); a=sc.alpha_max(X,y,datafit=datafit,penalty=pen,fit_intercept=False)/ratio
        pa=pen.with_alpha(a)
        Est=sc.SparseGroupLasso if datafit=="quadratic" else sc.GroupLogisticRegression
        est=Est(a,groups=size,l1_ratio=rho,tol=TARGET,fit_intercept=False,max_iter=100000); est.fit(X,y)
        t_ours,e=best(lambda: Est(a,groups=size,l1_ratio=rho,tol=TARGET,fit_intercept=False,max_iter=100000).fit(X,y))
        ok=sc.check_optimality(X,y,np.ravel(e.coef_),None,datafit=datafit,penalty=pa,tol=TARGET).converged
        T._skglm(X,y,a,pen,datafit,1e-1)  # compile
        t_sk=None
        for me in (100, 1000, 10000):
          for tol in [1e-3,1e-4,1e-5,1e-6,1e-7,1e-8,1e-9,1e-10,1e-11,1e-12]:
            w=T._skglm(X,y,a,pen,datafit,tol,me)
            c=sc.check_optimality(X,y,w,None,datafit=datafit,penalty=pa,tol=TARGET)
            if c.converged:
                t,_=best(lambda: T._skglm(X,y,a,pen,datafit,tol,me))
                if t_sk is None or t<t_sk: t_sk,tol_sk,me_sk=t,tol,me
                break
        print(f"{name[:10]} {datafit} rho={rho} alpha_max/{ratio}: ours {t_ours*1e3:.1f} ms (certified {ok}, nnz {np.count_nonzero(e.coef_)}); "
              f"skglm {'%.1f ms at tol %g max_epochs %d'%(t_sk*1e3,tol_sk,me_sk) if t_sk else 'never certified'}; ratio {t_ours/t_sk if t_sk else float('nan'):.2f}", flush=True)

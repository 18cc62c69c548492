"""RMSE of Sobol' indices from SALib's scrambled Sobol' design, over 50 seeds, for the Ishigami and G functions:
the peer of leversim's `fewer_runs_for_the_same_accuracy` test. `pip install SALib`, then run it."""
import numpy as np, warnings
warnings.filterwarnings("ignore")
from SALib.sample import sobol as ss
from SALib.analyze import sobol as sa
from SALib.test_functions import Ishigami
pi=np.pi
def ish_idx():
    a,b=7.0,0.1
    v=a*a/8+b*pi**4/5+b*b*pi**8/18+0.5
    v1=0.5*(1+b*pi**4/5)**2; v2=a*a/8; v13=8*b*b*pi**8/225
    return np.array([v1/v,v2/v,0]),np.array([(v1+v13)/v,v2/v,v13/v])
A=np.array([0,1,4.5,9,99,99.])
def g(X): return np.prod((np.abs(4*X-2)+A)/(1+A),axis=1)
def g_idx():
    v=1/(3*(1+A)**2); V=np.prod(1+v)-1
    s1=v/V; st=np.array([v[i]*np.prod(np.delete(1+v,i))/V for i in range(6)])
    return s1,st
cases=[("Ishigami",{'num_vars':3,'names':['x1','x2','x3'],'bounds':[[-pi,pi]]*3},Ishigami.evaluate,ish_idx()),
       ("G",{'num_vars':6,'names':[f'x{i}' for i in range(6)],'bounds':[[0,1]]*6},g,g_idx())]
for name,prob,f,(s1,st) in cases:
    for N in [256,1024,4096]:
        errs=[]
        for seed in range(50):
            X=ss.sample(prob,N,calc_second_order=False,scramble=True,seed=seed)
            Y=f(X)
            r=sa.analyze(prob,Y,calc_second_order=False,num_resamples=10,seed=seed)
            errs+=list((r['S1']-s1)**2)+list((r['ST']-st)**2)
        print(name,N,"SALib rmse %.5f"%np.sqrt(np.mean(errs)), "runs",len(Y))

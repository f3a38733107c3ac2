//! Fixed feature sets the measures are checked on, and what NumPy computed on them.
//!
//! The reference numbers were computed once with NumPy 2 (the test environment has no SciPy)
//! by this script, which builds the same two 40 × 5 matrices (of full rank: the square roots of
//! eigenvalues at zero would amplify rounding to 1e-8):
//!
//! ```python
//! import numpy as np
//! def a(i,j): return np.sin(0.37*i*(j+1) + 0.7*j) + 0.05*j*((i%3)-1)
//! def b(i,j): return 0.8*np.cos(0.9*i*(0.5+0.3*j) - 0.4*j) + 0.3 + 0.02*i*(j%2)
//! n,d=40,5
//! A=np.array([[a(i,j) for j in range(d)] for i in range(n)])
//! B=np.array([[b(i,j) for j in range(d)] for i in range(n)])
//! ma,mb=A.mean(0),B.mean(0); ca,cb=np.cov(A,rowvar=False),np.cov(B,rowvar=False)
//! # tr sqrt(ca cb) from the eigenvalues of the non-symmetric product: another route than fd.rs's
//! ev=np.linalg.eigvals(ca@cb)
//! fd=((ma-mb)**2).sum()+np.trace(ca)+np.trace(cb)-2*np.sqrt(np.clip(ev.real,0,None)).sum()
//! def k(x,y): return (x@y.T/x.shape[1]+1)**3
//! kxx,kyy,kxy=k(A,A),k(B,B),k(A,B)
//! m=n
//! mmd=(kxx.sum()-np.trace(kxx))/(m*(m-1))+(kyy.sum()-np.trace(kyy))/(m*(m-1))-2*kxy.mean()
//! print(repr(fd), repr(mmd))
//! ```

use nalgebra::DMatrix;

use crate::features::Features;

pub const NUMPY_FD: f64 = 1.2965532873132055;
pub const NUMPY_MMD2: f64 = 0.8657490665536871;

const ROWS: usize = 40;
const DIM: usize = 5;

pub fn reference_a() -> Features {
    DMatrix::from_fn(ROWS, DIM, |i, j| {
        let (i, j) = (i as f64, j as f64);
        (0.37 * i * (j + 1.0) + 0.7 * j).sin() + 0.05 * j * ((i as usize % 3) as f64 - 1.0)
    })
}

pub fn reference_b() -> Features {
    DMatrix::from_fn(ROWS, DIM, |i, j| {
        let odd = (j % 2) as f64;
        let (i, j) = (i as f64, j as f64);
        0.8 * (0.9 * i * (0.5 + 0.3 * j) - 0.4 * j).cos() + 0.3 + 0.02 * i * odd
    })
}

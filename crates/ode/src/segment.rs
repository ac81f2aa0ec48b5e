//! The dense output of one accepted step, for either method: RODAS4's
//! cubic continuous extension or the BDF interpolating polynomial in
//! backward-difference (Newton) form.
//!
//! Callers keep cloned segments as the solution history (delay equations),
//! so a segment is self-contained: it owns copies of its coefficients and
//! does not refer back to the solver.

/// One accepted step's dense-output polynomial on [t0, t1]. Cloneable so
/// callers can keep a history (for delay equations).
#[derive(Clone, Debug)]
pub struct Segment {
    pub t0: f64,
    pub t1: f64,
    poly: Poly,
}

#[derive(Clone, Debug)]
enum Poly {
    Rodas(RodasPoly),
    Backward(BackwardPoly),
    Dop853(Dop853Poly),
}

/// DOP853's 7th-order continuous extension, rows r0..r7 of n values each, then the end
/// value: y(t0 + s·h) = r0 + s·(r1 + s'·(r2 + s·(r3 + s'·(r4 + s·(r5 + s'·(r6 + s·r7)))))),
/// s' = 1 − s (dop853.f's CONTD8).
#[derive(Clone, Debug)]
pub(crate) struct Dop853Poly {
    n: usize,
    rows: Vec<f64>,
}

/// RODAS4's 3rd-order continuous output:
/// y(t0 + s·h) = y0 + s·(Δ + (1 − s)·(D2 + s·D3)), s ∈ [0, 1].
#[derive(Clone, Debug)]
pub(crate) struct RodasPoly {
    pub y0: Vec<f64>,
    pub delta: Vec<f64>,
    pub d2: Vec<f64>,
    pub d3: Vec<f64>,
}

impl RodasPoly {
    fn zeros(n: usize) -> Self {
        let v = || vec![0.0; n];
        RodasPoly {
            y0: v(),
            delta: v(),
            d2: v(),
            d3: v(),
        }
    }
}

/// The BDF interpolant of degree `order` through the new point t1 and the
/// `order` earlier (virtual, equally spaced) points t1 − j·h:
/// y(t1 + s·h) = Σ_k ∇^k y · Π_{j<k} (s + j)/(j + 1),
/// with the backward differences ∇^k y stored row after row in `dif`.
#[derive(Clone, Debug)]
pub(crate) struct BackwardPoly {
    n: usize,
    h: f64,
    order: usize,
    dif: Vec<f64>,
}

impl Segment {
    /// A RODAS4 segment of dimension n (zero coefficients).
    pub(crate) fn rodas(n: usize) -> Self {
        Segment {
            t0: 0.0,
            t1: 0.0,
            poly: Poly::Rodas(RodasPoly::zeros(n)),
        }
    }

    /// A DOP853 segment of dimension n (zero coefficients).
    pub(crate) fn dop853(n: usize) -> Self {
        Segment {
            t0: 0.0,
            t1: 0.0,
            poly: Poly::Dop853(Dop853Poly {
                n,
                rows: vec![0.0; 9 * n],
            }),
        }
    }

    /// Lets the DOP853 solver fill its 9·n coefficients in place (see [`Dop853Poly`]).
    pub(crate) fn fill_dop853(&mut self, n: usize, fill: impl FnOnce(&mut [f64])) {
        if !matches!(&self.poly, Poly::Dop853(p) if p.n == n) {
            *self = Segment::dop853(n);
        }
        if let Poly::Dop853(p) = &mut self.poly {
            fill(&mut p.rows);
        }
    }

    /// A backward-difference segment of dimension n with room for
    /// `max_order` + 1 difference rows, so refilling it never allocates.
    pub(crate) fn backward(n: usize, max_order: usize) -> Self {
        Segment {
            t0: 0.0,
            t1: 0.0,
            poly: Poly::Backward(BackwardPoly {
                n,
                h: 0.0,
                order: 0,
                dif: Vec::with_capacity(n * (max_order + 1)),
            }),
        }
    }

    /// Lets the RODAS4 solver fill its coefficients in place. A segment of
    /// the other kind is replaced (never happens: each solver makes its own).
    pub(crate) fn fill_rodas(&mut self, n: usize, fill: impl FnOnce(&mut RodasPoly)) {
        if let Poly::Rodas(p) = &mut self.poly {
            fill(p);
            return;
        }
        let mut p = RodasPoly::zeros(n);
        fill(&mut p);
        self.poly = Poly::Rodas(p);
    }

    /// Stores the BDF interpolant: `dif` holds order + 1 rows of n
    /// backward differences at t1 for the step size h.
    pub(crate) fn set_backward(
        &mut self,
        t0: f64,
        t1: f64,
        h: f64,
        order: usize,
        n: usize,
        dif: &[f64],
    ) {
        if !matches!(self.poly, Poly::Backward(_)) {
            *self = Segment::backward(n, order);
        }
        self.t0 = t0;
        self.t1 = t1;
        if let Poly::Backward(p) = &mut self.poly {
            p.n = n;
            p.h = h;
            p.order = order;
            p.dif.clear();
            p.dif
                .extend_from_slice(dif.get(..n * (order + 1)).unwrap_or(dif));
        }
    }

    /// Number of components.
    pub fn dim(&self) -> usize {
        match &self.poly {
            Poly::Rodas(p) => p.y0.len(),
            Poly::Backward(p) => p.n,
            Poly::Dop853(p) => p.n,
        }
    }

    /// Evaluates the polynomial at `t` into `out` (at most `dim` entries are
    /// written). Meant for t in [t0, t1]; outside it extrapolates.
    pub fn eval(&self, t: f64, out: &mut [f64]) {
        match &self.poly {
            Poly::Rodas(p) => self.eval_rodas(p, t, out),
            Poly::Backward(p) => self.eval_backward(p, t, out),
            Poly::Dop853(p) => self.eval_dop853(p, t, out),
        }
    }

    fn eval_dop853(&self, p: &Dop853Poly, t: f64, out: &mut [f64]) {
        let n = p.n;
        let m = n.min(out.len());
        let r = |row: usize, i: usize| p.rows[row * n + i];
        let h = self.t1 - self.t0;
        let s = if h != 0.0 { (t - self.t0) / h } else { 1.0 };
        if s == 1.0 {
            // Bit-exact end value (what the solver continues from).
            out[..m].copy_from_slice(&p.rows[8 * n..8 * n + m]);
            return;
        }
        let s1 = 1.0 - s;
        for (i, o) in out.iter_mut().enumerate().take(m) {
            *o = r(0, i)
                + s * (r(1, i)
                    + s1 * (r(2, i)
                        + s * (r(3, i)
                            + s1 * (r(4, i) + s * (r(5, i) + s1 * (r(6, i) + s * r(7, i)))))));
        }
    }

    fn eval_rodas(&self, p: &RodasPoly, t: f64, out: &mut [f64]) {
        let h = self.t1 - self.t0;
        let s = if h != 0.0 { (t - self.t0) / h } else { 1.0 };
        if s == 1.0 {
            // Bit-exact end value (what the solver continues from).
            for ((o, y0), d) in out.iter_mut().zip(&p.y0).zip(&p.delta) {
                *o = y0 + d;
            }
            return;
        }
        let s1 = 1.0 - s;
        for (i, o) in out.iter_mut().enumerate().take(p.y0.len()) {
            *o = p.y0[i] + s * (p.delta[i] + s1 * (p.d2[i] + s * p.d3[i]));
        }
    }

    fn eval_backward(&self, p: &BackwardPoly, t: f64, out: &mut [f64]) {
        if p.n == 0 {
            return;
        }
        let m = p.n.min(out.len());
        let out = &mut out[..m];
        let mut rows = p.dif.chunks_exact(p.n);
        let Some(first) = rows.next() else {
            return;
        };
        // Row 0 is the end value itself: bit-exact at t1.
        out.copy_from_slice(&first[..m]);
        if t == self.t1 || p.h == 0.0 {
            return;
        }
        let s = (t - self.t1) / p.h;
        let mut coef = 1.0;
        for (k, row) in (1..=p.order).zip(rows) {
            coef *= (s + (k - 1) as f64) / k as f64;
            for (o, d) in out.iter_mut().zip(row) {
                *o += coef * d;
            }
        }
    }
}

//! Interval arithmetic with outward rounding: every end is a float below (above) the exact
//! real result (see the parent module's documentation for how and why).

/// Unit roundoff of f64 (round to nearest).
const UNIT: f64 = f64::EPSILON / 2.0;
/// The smallest positive f64, `2^-1074`: the absolute error of an underflowing product.
pub(super) const SUB: f64 = f64::from_bits(1);
/// Products at least this large (`2^-968`) have a representable rounding error.
const TINY: f64 = 4.008336720017946e-292;

/// `gamma_n = n u / (1 - n u)`, inflated so the rounding of its own computation is covered.
pub(super) fn gamma(n: usize) -> f64 {
    let nu = n as f64 * UNIT;
    nu / (1.0 - nu) * (1.0 + 1e-9)
}

/// An error bound computed in f64, inflated to cover the rounding of its own computation.
pub(super) fn safe(e: f64) -> f64 {
    e * (1.0 + 1e-9) + SUB
}

/// Bounds `[rd, ru]` of the exact sum `a + b` (TwoSum: the rounding error is exact).
pub(super) fn add_bounds(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    if !s.is_finite() {
        return (s.next_down(), s.next_up());
    }
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    if err > 0.0 {
        (s, s.next_up())
    } else if err < 0.0 {
        (s.next_down(), s)
    } else if err == 0.0 {
        (s, s)
    } else {
        (s.next_down(), s.next_up())
    }
}

/// Bounds `[rd, ru]` of the exact product `a * b` of two interval ends (0 times an
/// unbounded end is 0).
pub(super) fn mul_bounds(a: f64, b: f64) -> (f64, f64) {
    if a == 0.0 || b == 0.0 {
        if a.is_nan() || b.is_nan() {
            return (f64::NAN, f64::NAN);
        }
        return (0.0, 0.0);
    }
    let p = a * b;
    if !p.is_finite() {
        return (p.next_down(), p.next_up());
    }
    if p.abs() >= TINY {
        let e = a.mul_add(b, -p);
        if e > 0.0 {
            return (p, p.next_up());
        } else if e < 0.0 {
            return (p.next_down(), p);
        } else if e == 0.0 {
            return (p, p);
        }
    }
    (p.next_down(), p.next_up())
}

/// A closed interval of reals `[lo, hi]`; infinite ends mean unbounded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
}

// The arithmetic is spelled out as methods (not operator traits) so that every rounded
// step reads as one call.
#[allow(clippy::should_implement_trait)]
impl Interval {
    pub const ZERO: Interval = Interval { lo: 0.0, hi: 0.0 };

    pub fn point(x: f64) -> Interval {
        Interval { lo: x, hi: x }
    }
    pub fn is_point(&self) -> bool {
        self.lo == self.hi
    }
    pub fn is_finite(&self) -> bool {
        self.lo.is_finite() && self.hi.is_finite()
    }
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
    /// Largest |x| over the interval.
    pub fn mag(&self) -> f64 {
        self.lo.abs().max(self.hi.abs())
    }
    /// Smallest |x| over the interval.
    pub fn mig(&self) -> f64 {
        if self.lo > 0.0 {
            self.lo
        } else if self.hi < 0.0 {
            -self.hi
        } else {
            0.0
        }
    }
    pub fn add(self, o: Interval) -> Interval {
        if o == Interval::ZERO {
            return self;
        }
        if self == Interval::ZERO {
            return o;
        }
        Interval { lo: add_bounds(self.lo, o.lo).0, hi: add_bounds(self.hi, o.hi).1 }
    }
    pub fn neg(self) -> Interval {
        Interval { lo: -self.hi, hi: -self.lo }
    }
    pub fn sub(self, o: Interval) -> Interval {
        self.add(o.neg())
    }
    /// `s * self` for a float s.
    pub fn scale(self, s: f64) -> Interval {
        if s == 1.0 {
            return self;
        }
        if s >= 0.0 {
            Interval { lo: mul_bounds(s, self.lo).0, hi: mul_bounds(s, self.hi).1 }
        } else {
            Interval { lo: mul_bounds(s, self.hi).0, hi: mul_bounds(s, self.lo).1 }
        }
    }
    pub fn mul(self, o: Interval) -> Interval {
        if o.is_point() {
            return self.scale(o.lo);
        }
        if self.is_point() {
            return o.scale(self.lo);
        }
        let ends = [(self.lo, o.lo), (self.lo, o.hi), (self.hi, o.lo), (self.hi, o.hi)];
        let mut r = Interval { lo: f64::INFINITY, hi: f64::NEG_INFINITY };
        for (a, b) in ends {
            let (l, h) = mul_bounds(a, b);
            if l.is_nan() || h.is_nan() {
                return Interval { lo: f64::NAN, hi: f64::NAN };
            }
            r.lo = r.lo.min(l);
            r.hi = r.hi.max(h);
        }
        r
    }
    /// `self / n` for a positive float n.
    pub fn div_pos(self, n: f64) -> Interval {
        if n == 1.0 {
            return self;
        }
        Interval { lo: (self.lo / n).next_down(), hi: (self.hi / n).next_up() }
    }
    pub fn sqr(self) -> Interval {
        let (a, b) = (self.mig(), self.mag());
        Interval { lo: mul_bounds(a, a).0, hi: mul_bounds(b, b).1 }
    }
    /// Square root of the nonnegative part.
    pub fn sqrt(self) -> Interval {
        let lo = self.lo.max(0.0).sqrt().next_down().max(0.0);
        Interval { lo, hi: self.hi.max(0.0).sqrt().next_up() }
    }
    /// `[lo - e, hi + e]`, rounded outward.
    pub fn widen(self, e: f64) -> Interval {
        if e == 0.0 {
            return self;
        }
        Interval { lo: add_bounds(self.lo, -e).0, hi: add_bounds(self.hi, e).1 }
    }
}

pub(super) type IVec = Vec<Interval>;

/// `sum_l row_l x_l` from 0 in coordinate order (the program's order for projections).
pub(super) fn dot_seq(row: &[f64], x: &[Interval]) -> Interval {
    let mut acc = Interval::ZERO;
    for (r, v) in row.iter().zip(x) {
        if *r != 0.0 {
            acc = acc.add(v.scale(*r));
        }
    }
    acc
}

/// A dot product whose summation order is the library's: the exact enclosure widened by
/// the any-order bound.
pub(super) fn dot_any(row: &[f64], x: &[Interval]) -> Interval {
    let exact = dot_seq(row, x);
    let terms: f64 = row.iter().zip(x).map(|(r, v)| r.abs() * v.mag()).sum();
    exact.widen(safe(gamma(row.len()) * terms + row.len() as f64 * SUB))
}

impl Interval {
    /// The smallest interval holding both.
    pub(super) fn hull_with(self, o: Interval) -> Interval {
        Interval { lo: self.lo.min(o.lo), hi: self.hi.max(o.hi) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_and_products_enclose_the_exact_value() {
        // 0.1 + 0.2 is inexact: the exact sum of the two floats lies strictly inside
        let s = Interval::point(0.1).add(Interval::point(0.2));
        assert!(s.lo < s.hi && s.hi == s.lo.next_up());
        assert!(s.lo <= 0.30000000000000004 && 0.30000000000000004 <= s.hi);
        // exact operations stay points
        assert!(Interval::point(1.5).add(Interval::point(2.25)).is_point());
        assert!(Interval::point(3.0).mul(Interval::point(0.5)).is_point());
        let d = 0.3;
        let zero = Interval::point(d).add(Interval::point(-2.0 * d)).add(Interval::point(d));
        assert_eq!(zero, Interval::ZERO);
        // 1/3 * 3 in f64 rounds to 1; the exact product of the float 1/3 and 3 is below 1
        let p = Interval::point(1.0 / 3.0).mul(Interval::point(3.0));
        assert_eq!(p.hi, 1.0);
        assert!(p.lo < 1.0);
        // signs and unbounded ends
        let m = Interval { lo: -2.0, hi: 3.0 }.mul(Interval { lo: -1.0, hi: 4.0 });
        assert_eq!((m.lo, m.hi), (-8.0, 12.0));
        let u = Interval { lo: 0.0, hi: 1.0 }.mul(Interval { lo: 1.0, hi: f64::INFINITY });
        assert_eq!((u.lo, u.hi), (0.0, f64::INFINITY));
        assert_eq!(Interval { lo: -3.0, hi: 2.0 }.sqr(), Interval { lo: 0.0, hi: 9.0 });
    }

    #[test]
    fn tiny_products_widen_both_ways() {
        // 1e-200 * 1e-150 underflows to 0 but is positive: the enclosure straddles 0
        let p = Interval::point(1e-200).mul(Interval::point(1e-150));
        assert!(p.lo < 0.0 && p.hi > 0.0);
        let (l, h) = mul_bounds(3e-300, 3e-10);
        assert!(l < h);
    }
}

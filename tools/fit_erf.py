#!/usr/bin/env python3
"""Coefficients of erf's polynomials in src/cpu/vec_math_impl.h (Chebyshev fits with mpmath).

small: erf(x) = x P(x^2) on x in [0, 1]; tails: g(x) = exp(x^2) erfc(x) as a polynomial of
s = (x - mid) / half over [lo, hi] (double); float: erf(x) itself as a polynomial of
u = x - mid over [1, 2], [2, 3] and [3, 3.92] (mid 1.5, 2.5, 3.5; past 3.92 erf rounds to 1). Highest degree
first, as Horner's rule takes them."""
import mpmath as mp

mp.mp.dps = 60


def g(x):
    return mp.exp(x * x) * mp.erfc(x)


def small(t):
    return mp.erf(mp.sqrt(t)) / mp.sqrt(t) if t > 0 else 2 / mp.sqrt(mp.pi)


def emit(name, coeffs, err, typ):
    digits = 10 if typ == "float" else 20
    suffix = "f" if typ == "float" else ""
    body = ", ".join(mp.nstr(c, digits, min_fixed=-1, max_fixed=1) + suffix for c in coeffs)
    print(f"// max error {mp.nstr(err, 3)}\nstatic constexpr {typ} {name}[] = {{{body}}};")


def tail(lo, hi, deg):
    mid, half = (mp.mpf(lo) + hi) / 2, (mp.mpf(hi) - lo) / 2
    return mp.chebyfit(lambda s: g(mid + half * s), [-1, 1], deg + 1, error=True)


def piece(lo, hi, mid, deg):
    mid = mp.mpf(mid)
    # Fitted a little past both ends: an argument at an interval's edge may take either piece.
    return mp.chebyfit(lambda u: mp.erf(mid + u), [lo - mid - 0.01, hi - mid + 0.01], deg + 1,
                       error=True)


emit("ks (float)", *mp.chebyfit(small, [0, 1], 7, error=True), "float")
emit("k1 (float, [1, 2])", *piece(1, 2, 1.5, 9), "float")
emit("k2 (float, [2, 3])", *piece(2, 3, 2.5, 9), "float")
emit("k3 (float, [3, 3.92])", *piece(3, 3.92, 3.5, 9), "float")
emit("ks (double)", *mp.chebyfit(small, [0, 1], 12, error=True), "double")
emit("km (double, [1, 2.5])", *tail(1, 2.5, 18), "double")
emit("kb (double, [2.5, 6])", *tail(2.5, 6, 17), "double")

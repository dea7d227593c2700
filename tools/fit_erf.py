#!/usr/bin/env python3
"""Coefficients of erf's polynomials in src/cpu/vec_math_impl.h (Chebyshev fits with mpmath).

small: erf(x) = x P(x^2) on x in [0, 1]; tails: g(x) = exp(x^2) erfc(x) as a polynomial of
s = (x - mid) / half over [lo, hi]. Highest degree first, as Horner's rule takes them."""
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


emit("ks (float)", *mp.chebyfit(small, [0, 1], 7, error=True), "float")
emit("kl (float, [1, 4])", *tail(1, 4, 11), "float")
emit("ks (double)", *mp.chebyfit(small, [0, 1], 12, error=True), "double")
emit("km (double, [1, 2.5])", *tail(1, 2.5, 18), "double")
emit("kb (double, [2.5, 6])", *tail(2.5, 6, 17), "double")

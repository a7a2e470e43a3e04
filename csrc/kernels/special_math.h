// Special functions of the elementwise family (digamma, modified Bessel I0/I1, gcd), one definition for the CPU
// kernels and the CUDA ones. Evaluated in double; float inputs round the result once.
#pragma once
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "core/host_device.h"

namespace pynn {

// torch's calc_digamma (cephes psi): +-inf at +-0 (sign opposite the zero's), NaN at negative integers, the
// reflection formula below 0, the recurrence up to 10 and the asymptotic series there.
PYNN_HOST_DEVICE inline double digamma_of(double x) {
  const double kPi = 3.14159265358979323846;
  if (x == 0) return ::copysign(HUGE_VAL, -x);
  double shift = 0;
  if (x < 0) {
    if (x == ::trunc(x)) return NAN;
    double r = x - ::trunc(x);  // tan(pi r) is more accurate than tan(pi x) for |x| > 1
    shift = -kPi / ::tan(kPi * r);
    x = 1 - x;
  }
  double result = shift;
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  if (x == 10) return result + 2.25175258906672110764;
  const double A[] = {8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
                      -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                      8.33333333333333333333E-2};
  double y = 0;
  if (x < 1.0e17) {
    double z = 1.0 / (x * x), p = A[0];
    for (int i = 1; i < 7; ++i) p = p * z + A[i];
    y = z * p;
  }
  return result + ::log(x) - 0.5 / x - y;
}

// I_nu(x) for nu in {0, 1}: the power series up to |x| = 30 (all terms positive, no cancellation), beyond it
// e^|x| times the asymptotic expansion sum_k prod_j ((2j-1)^2 - 4 nu^2) / (8 j |x|) / sqrt(2 pi |x|), with e^|x|
// evaluated in T, so the result overflows where torch's does (float32 at |x| > 88.7); at +-inf that is inf * 0,
// NaN, as torch's.
PYNN_HOST_DEVICE inline double bessel_i_series(int nu, double ax) {
  double q = 0.25 * ax * ax, term = 1, sum = 1;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * (k + nu));
    sum += term;
    if (term <= sum * 1e-17) break;
  }
  return nu == 0 ? sum : 0.5 * ax * sum;
}
PYNN_HOST_DEVICE inline double bessel_i_asymptotic(int nu, double ax) {
  double term = 1, sum = 1;
  for (int k = 1; k < 40; ++k) {
    double next = term * ((2.0 * k - 1) * (2.0 * k - 1) - 4.0 * nu * nu) / (8.0 * k * ax);
    if (::fabs(next) >= ::fabs(term)) break;  // the expansion starts to diverge
    term = next;
    sum += term;
    if (::fabs(term) <= ::fabs(sum) * 1e-17) break;
  }
  return sum / ::sqrt(2 * 3.14159265358979323846 * ax);
}
template <typename T>
PYNN_HOST_DEVICE inline T bessel_i(int nu, T x) {
  double ax = ::fabs(static_cast<double>(x));
  if (ax != ax) return x;
  T r;
  if (ax <= 30) r = static_cast<T>(bessel_i_series(nu, ax));
  else r = static_cast<T>(::exp(static_cast<T>(ax))) * static_cast<T>(bessel_i_asymptotic(nu, ax));
  return nu == 1 && x < 0 ? -r : r;
}

// Euclid on magnitudes in the unsigned type (|INT_MIN| overflows the signed one); gcd(0, 0) = 0.
template <typename T>
PYNN_HOST_DEVICE inline T gcd_of(T a, T b) {
  using U = typename std::make_unsigned<T>::type;
  U x = a < 0 ? U(0) - static_cast<U>(a) : static_cast<U>(a);
  U y = b < 0 ? U(0) - static_cast<U>(b) : static_cast<U>(b);
  while (x != 0) {
    U c = x;
    x = y % x;
    y = c;
  }
  return static_cast<T>(y);
}

}  // namespace pynn

// Errors raised by the core; bindings translate each class to its Python exception.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace pynn {

struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct NotImplementedError : std::runtime_error { using std::runtime_error::runtime_error; };
// A LAPACK routine's failure on the values (singular, not positive-definite, no convergence): torch's
// linalg.LinAlgError, a RuntimeError subclass.
struct LinAlgError : std::runtime_error { using std::runtime_error::runtime_error; };

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  append(os, rest...);
}
}  // namespace detail

template <typename... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  return os.str();
}

}  // namespace pynn

// PYNN_CHECK(cond, "op", message parts...) -> RuntimeError "[op] message"
#define PYNN_CHECK(cond, op, ...) \
  do { if (!(cond)) throw std::runtime_error(::pynn::str("[", op, "] ", __VA_ARGS__)); } while (0)
#define PYNN_CHECK_LINALG(cond, op, ...) \
  do { if (!(cond)) throw ::pynn::LinAlgError(::pynn::str("[", op, "] ", __VA_ARGS__)); } while (0)
#define PYNN_CHECK_INDEX(cond, op, ...) \
  do { if (!(cond)) throw ::pynn::IndexError(::pynn::str("[", op, "] ", __VA_ARGS__)); } while (0)
#define PYNN_CHECK_TYPE(cond, op, ...) \
  do { if (!(cond)) throw ::pynn::TypeError(::pynn::str("[", op, "] ", __VA_ARGS__)); } while (0)
#define PYNN_CHECK_VALUE(cond, op, ...) \
  do { if (!(cond)) throw ::pynn::ValueError(::pynn::str("[", op, "] ", __VA_ARGS__)); } while (0)

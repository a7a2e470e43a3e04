// optim ops as private _C functions (pynn/ wraps them with torch's signatures).
#include "bindings.h"

using namespace pynn;

void bind_optim(py::module_& m, TensorClass& cls) {}

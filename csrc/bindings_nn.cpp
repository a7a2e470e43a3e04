// nn ops as private _C functions (pynn/ wraps them with torch's signatures).
#include "bindings.h"

using namespace pynn;

void bind_nn(py::module_& m, TensorClass& cls) {}

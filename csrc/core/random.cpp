#include "random.h"

namespace pynn {

Generator& default_generator() {
  static Generator g;
  return g;
}

}  // namespace pynn

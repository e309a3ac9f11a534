// Errors that cross folder boundaries. InputError (exit 1) carries a message that already
// names its place ("FILE:LINE: message"); InternalError (exit 2) is a broken invariant.
#pragma once

#include <stdexcept>
#include <string>

namespace memsim {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct InternalError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace memsim

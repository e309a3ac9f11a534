// Default hooks of the policy interface.
#include "policy/policy.hpp"

#include <fmt/format.h>

#include "memsim/error.hpp"

namespace memsim {

void Policy::release_held_block(Zone& /*zone*/, PageIdx block) {
  throw InternalError(
      fmt::format("page {} is held by a region allocator this policy lacks", block));
}

} // namespace memsim

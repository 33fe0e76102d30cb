// Kernel BTF types seen as sonde types.
#pragma once

#include <cstdint>

#include "compiler/ast/types.h"
#include "compiler/kernel/btf.h"

namespace sonde::sema {

// The sonde type of a value of BTF type `id` (typedefs and qualifiers looked through).
// Unsupported kinds give TypeKind::kNone.
ast::Type type_from_btf(const kernel::Btf& btf, uint32_t id);

}  // namespace sonde::sema

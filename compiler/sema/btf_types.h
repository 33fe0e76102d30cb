// Kernel BTF types seen as sonde types.
#pragma once

#include <cstdint>

#include "compiler/ast/types.h"
#include "compiler/kernel/btf.h"

namespace sonde::sema {

// How much of a string with no length of its own is read (a __data_loc field, a pointer
// given to str() outside a label, a flexible `char name[]`).
constexpr uint32_t kUnsizedStringBound = 64;

// The sonde type of a value of BTF type `id` (typedefs and qualifiers looked through).
// Unsupported kinds give TypeKind::kNone.
ast::Type type_from_btf(const kernel::Btf& btf, uint32_t id);

}  // namespace sonde::sema

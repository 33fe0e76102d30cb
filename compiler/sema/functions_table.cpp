#include "compiler/sema/functions_table.h"

namespace sonde::sema {
namespace {

using K = FunctionKind;
using N = LabelNaming;

constexpr FunctionInfo kFunctions[] = {
    {"in_cgroup", K::kInCgroup, 1, 1, 0, false, N::kCall, true,
     "in_cgroup(\"/path\"): the task runs in that cgroup2 directory or below it"},
    // A socket holds its peer in one of two fields, by family; a label needs one value.
    {"inet", K::kInetAddr, 3, 3, 16, false, N::kCall, true,
     "inet(family, v4, v6): the IPv4 address v4 when family is AF_INET (as ::ffff:v4), "
     "else the IPv6 address v6; for ntop()"},
    {"str", K::kString, 1, 2, 0, false, N::kArgument, true,
     "str(p, N): the string at p, at most N characters; str(s, N): s cut to N"},
    {"op", K::kBlockOp, 1, 1, 0, false, N::kCall, true,
     "a block request's operation (read, write, ...) from its rwbs flags or cmd_flags"},
    {"ntohs", K::kByteSwap, 1, 1, 2, false, N::kCall, false,
     "a 16-bit value from network to host byte order"},
    {"ntohl", K::kByteSwap, 1, 1, 4, false, N::kCall, false,
     "a 32-bit value from network to host byte order"},
    {"htons", K::kByteSwap, 1, 1, 2, false, N::kCall, false,
     "a 16-bit value from host to network byte order"},
    {"htonl", K::kByteSwap, 1, 1, 4, false, N::kCall, false,
     "a 32-bit value from host to network byte order"},
    {"u8", K::kCast, 1, 1, 1, false, N::kCall, false, "the low 8 bits, unsigned"},
    {"u16", K::kCast, 1, 1, 2, false, N::kCall, false, "the low 16 bits, unsigned"},
    {"u32", K::kCast, 1, 1, 4, false, N::kCall, false, "the low 32 bits, unsigned"},
    {"u64", K::kCast, 1, 1, 8, false, N::kCall, false, "the value as an unsigned 64-bit number"},
    {"s8", K::kCast, 1, 1, 1, true, N::kCall, false, "the low 8 bits, signed"},
    {"s16", K::kCast, 1, 1, 2, true, N::kCall, false, "the low 16 bits, signed"},
    {"s32", K::kCast, 1, 1, 4, true, N::kCall, false, "the low 32 bits, signed"},
    {"s64", K::kCast, 1, 1, 8, true, N::kCall, false, "the value as a signed 64-bit number"},
};

}  // namespace

std::span<const FunctionInfo> functions() { return kFunctions; }

const FunctionInfo* find_function(std::string_view name) {
  for (const auto& f : kFunctions) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

}  // namespace sonde::sema

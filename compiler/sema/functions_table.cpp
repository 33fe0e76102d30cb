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
    // What a system call was given, at any probe inside it (sys_exit_*, the socket
    // tracepoints): the registers the task saved on entry, which the call does not change.
    {"syscall_arg", K::kSyscallArg, 1, 1, 0, false, N::kCall, true,
     "syscall_arg(N): argument N (0 to 5) of the system call the task is in, read from the "
     "registers it saved on entry; a pointer into user memory for str()"},
    // A pointer held in user memory (an iovec's base, a msghdr's iovec), to read through.
    {"user_u64", K::kUserU64, 1, 1, 0, false, N::kCall, true,
     "user_u64(p): the 8 bytes at user address p as a number, 0 when unreadable; "
     "str(user_u64(vec), 12) reads the first buffer of writev(fd, vec, n)"},
    {"startswith", K::kStartsWith, 2, 16, 0, false, N::kCall, true,
     "startswith(s, \"GET \", \"HEAD \", ...): the string s begins with one of the texts"},
    {"digits", K::kDigits, 3, 3, 0, false, N::kCall, true,
     "digits(s, at, n): the number the n decimal digits of s from index at spell "
     "(digits(str(p, 12), 9, 3) of \"HTTP/1.1 404\" is 404), or -1 if one is not a digit"},
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

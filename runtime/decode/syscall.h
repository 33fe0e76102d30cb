// x86_64 syscall numbers -> names, from a table generated at build time.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/decode/bytes.h"

namespace sonde::decode {

// Name for `number`, nullptr when the table has none (generated: syscall_table.cpp).
const char* syscall_table_name(uint64_t number);

// A signed integer label: "getpid"; "syscall_NNN" (and false) when unknown.
bool decode_syscall(Bytes bytes, std::string& out);

}  // namespace sonde::decode

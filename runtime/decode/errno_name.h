// errno values -> their macro names.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/decode/bytes.h"

namespace sonde::decode {

// "ENOENT" for 2 or -2 (kernel returns are negative); the number itself when unknown.
std::string errno_name(int64_t value);

// A signed integer label; false for unknown values.
bool decode_errno(Bytes bytes, std::string& out);

}  // namespace sonde::decode

// Block request operations as sonde's BPF code classifies them (enum sonde_block_op).
#pragma once

#include <string>

#include "runtime/decode/bytes.h"

namespace sonde::decode {

// "read", "write", "discard", "flush", "other"; the number (and false) otherwise.
bool decode_block_op(Bytes bytes, std::string& out);

}  // namespace sonde::decode

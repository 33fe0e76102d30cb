// Fixed-size character arrays (comm, file names): text up to the first NUL.
#pragma once

#include <string>

#include "runtime/decode/bytes.h"

namespace sonde::decode {

// Valid UTF-8 is kept; other bytes below 0x20, 0x7f and stray high bytes become \xNN
// (and a backslash becomes \\) so the text round-trips and stays printable.
bool decode_string(Bytes bytes, std::string& out);

}  // namespace sonde::decode

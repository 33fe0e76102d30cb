// Integers, booleans and enums. Each returns false when the value could not be decoded
// (out then holds its numeric form).
#pragma once

#include <string>
#include <vector>

#include "runtime/decode/bytes.h"
#include "runtime/spec/program.h"

namespace sonde::decode {

bool decode_unsigned(Bytes bytes, std::string& out);
bool decode_signed(Bytes bytes, std::string& out);
bool decode_bool(Bytes bytes, std::string& out);
bool decode_enum(Bytes bytes, const std::vector<spec::EnumName>& names, std::string& out);

}  // namespace sonde::decode

#include "runtime/decode/numeric.h"

#include <fmt/format.h>

namespace sonde::decode {

namespace {

// An integer of the field's width in decimal, or its bytes in hex when the width is not
// one an integer has.
template <typename Read>
bool decode_integer(Bytes bytes, std::string& out, Read read) {
  auto v = read(bytes);
  if (!v) {
    out = hex_fallback(bytes);
    return false;
  }
  fmt::format_int text(*v);
  out.assign(text.data(), text.size());
  return true;
}

}  // namespace

bool decode_unsigned(Bytes bytes, std::string& out) {
  return decode_integer(bytes, out, [](Bytes b) { return read_unsigned(b); });
}

bool decode_signed(Bytes bytes, std::string& out) {
  return decode_integer(bytes, out, [](Bytes b) { return read_signed(b); });
}

bool decode_bool(Bytes bytes, std::string& out) {
  auto v = read_unsigned(bytes);
  if (!v) {
    out = hex_fallback(bytes);
    return false;
  }
  out = *v ? "true" : "false";
  return true;
}

bool decode_enum(Bytes bytes, const std::vector<spec::EnumName>& names, std::string& out) {
  auto s = read_signed(bytes);
  auto u = read_unsigned(bytes);
  if (!s || !u) {
    out = hex_fallback(bytes);
    return false;
  }
  // Enumerators may be declared either way round (-1 or 0xffffffff for a u32 field).
  for (const auto& n : names) {
    if (n.value == *s || static_cast<uint64_t>(n.value) == *u) {
      out = n.name;
      return true;
    }
  }
  out = fmt::format("{}", *s);
  return false;
}

}  // namespace sonde::decode

#include "runtime/export/numbers.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace sonde::exporter {

namespace {

char* copy(char* at, const char* text, size_t size) {
  std::memcpy(at, text, size);
  return at + size;
}

}  // namespace

double exported_value(double raw, spec::Unit unit) {
  return unit == spec::Unit::kNanoseconds ? raw / 1e9 : raw;
}

// std::to_chars gives the shortest digits that read back exactly; the spelling is
// printf's %g with those digits (what the library and earlier sonde versions wrote):
// an exponent below 1e-4 and from 1e16 on, so a bucket bound keeps its `le` text.
char* write_number(char* at, double value) {
  if (std::isnan(value)) return copy(at, "NaN", 3);
  if (std::isinf(value)) return copy(at, value > 0 ? "+Inf" : "-Inf", 4);
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    // Integer formatting is several times faster, and counters are integers. (-0
    // prints as 0.)
    return std::to_chars(at, at + kMaxNumberLength, static_cast<int64_t>(value)).ptr;
  }
  char* end = std::to_chars(at, at + kMaxNumberLength, value, std::chars_format::scientific).ptr;
  // "d[.ddd]e±XX[X]"
  const char* e = static_cast<const char*>(std::memchr(at, 'e', static_cast<size_t>(end - at)));
  int exponent = 0;
  std::from_chars(e + 2, end, exponent);
  if (e[1] == '-') exponent = -exponent;
  if (exponent < -4 || exponent >= 16) return end;
  return std::to_chars(at, at + kMaxNumberLength, value, std::chars_format::fixed).ptr;
}

char* write_unsigned(char* at, uint64_t value) {
  return std::to_chars(at, at + kMaxNumberLength, value).ptr;
}

void append_number(std::string& out, double value) {
  char buffer[kMaxNumberLength];
  out.append(buffer, static_cast<size_t>(write_number(buffer, value) - buffer));
}

void append_unsigned(std::string& out, uint64_t value) {
  char buffer[kMaxNumberLength];
  out.append(buffer, static_cast<size_t>(write_unsigned(buffer, value) - buffer));
}

}  // namespace sonde::exporter

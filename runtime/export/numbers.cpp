#include "runtime/export/numbers.h"

#include <cmath>
#include <cstring>

#include <fmt/format.h>

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

char* write_number(char* at, double value) {
  if (std::isnan(value)) return copy(at, "NaN", 3);
  if (std::isinf(value)) return copy(at, value > 0 ? "+Inf" : "-Inf", 4);
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (value == std::trunc(value) && std::fabs(value) < kExactIntegers) {
    // Integer formatting is several times faster, and counters are integers. (-0
    // prints as 0.)
    const fmt::format_int text(static_cast<int64_t>(value));
    return copy(at, text.data(), text.size());
  }
  return fmt::format_to(at, "{}", value);
}

char* write_unsigned(char* at, uint64_t value) {
  const fmt::format_int text(value);
  return copy(at, text.data(), text.size());
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

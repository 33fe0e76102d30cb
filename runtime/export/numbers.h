// Numbers as exporters print them: exported units and exact, stable spellings.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/spec/program.h"

namespace sonde::exporter {

// A raw map value in the unit exporters publish (nanoseconds -> seconds). Divides
// rather than multiplying by metrics::export_scale's 1e-9, which is not exact in
// binary: 512 / 1e9 prints as 5.12e-07, 512 * 1e-9 as 5.1200000000000005e-07.
double exported_value(double raw, spec::Unit unit);

// Room a number needs at most.
inline constexpr size_t kMaxNumberLength = 32;

// The shortest text that parses back to exactly `value` (integers without a fraction
// or exponent below 2^53), so a bucket bound always prints the same way. Non-finite
// values use the Prometheus spellings NaN, +Inf and -Inf. Writes at `at` (room for
// kMaxNumberLength) and returns the end.
char* write_number(char* at, double value);
char* write_unsigned(char* at, uint64_t value);

void append_number(std::string& out, double value);
void append_unsigned(std::string& out, uint64_t value);

}  // namespace sonde::exporter

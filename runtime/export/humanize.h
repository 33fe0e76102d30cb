// Values for people: raw map values with a readable unit and three significant digits.
#pragma once

#include <string>

#include "runtime/spec/program.h"

namespace sonde::exporter {

// Nanoseconds as "512ns", "1.02us", "3.5ms", "12s"; bytes as "512B", "1.5KiB",
// "64MiB"; plain numbers as integers when they are whole ("1234"), else with at most
// two decimals ("3.33").
std::string humanize(double raw, spec::Unit unit);

}  // namespace sonde::exporter

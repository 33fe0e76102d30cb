#include "runtime/export/humanize.h"

#include <cmath>
#include <cstdlib>
#include <span>

#include <fmt/format.h>

namespace sonde::exporter {

namespace {

struct Scale {
  const char* suffix;
  double factor;
};

constexpr Scale kDurations[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
constexpr Scale kSizes[] = {{"B", 1},
                            {"KiB", 1024.0},
                            {"MiB", 1024.0 * 1024},
                            {"GiB", 1024.0 * 1024 * 1024},
                            {"TiB", 1024.0 * 1024 * 1024 * 1024}};

// Three significant digits (at most two decimals), trailing zeros dropped.
std::string significant(double value) {
  const int decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return text;
}

std::string scaled(double magnitude, std::span<const Scale> scales) {
  size_t i = 0;
  while (i + 1 < scales.size() && magnitude >= scales[i + 1].factor) ++i;
  std::string number = significant(magnitude / scales[i].factor);
  // 999.7ns rounds to "1000": say 1us instead.
  if (i + 1 < scales.size() &&
      std::strtod(number.c_str(), nullptr) >= scales[i + 1].factor / scales[i].factor) {
    ++i;
    number = significant(magnitude / scales[i].factor);
  }
  return number + scales[i].suffix;
}

}  // namespace

std::string humanize(double raw, spec::Unit unit) {
  if (std::isnan(raw)) return "NaN";
  if (std::isinf(raw)) return raw > 0 ? "+Inf" : "-Inf";
  const char* sign = raw < 0 ? "-" : "";
  const double magnitude = std::fabs(raw);
  switch (unit) {
    case spec::Unit::kNanoseconds:
      return sign + scaled(magnitude, kDurations);
    case spec::Unit::kBytes:
      return sign + scaled(magnitude, kSizes);
    case spec::Unit::kNone:
      break;
  }
  if (raw == std::trunc(raw) && magnitude < 9.2e18) {
    return fmt::format("{}", static_cast<int64_t>(raw));
  }
  std::string text = fmt::format("{:.2f}", raw);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace sonde::exporter

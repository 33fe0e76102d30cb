#include "compiler/sema/histogram.h"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "stdlib/bpf/sonde/buckets.h"

namespace sonde::sema {
namespace {

static_assert(SONDE_MAX_BOUNDS == spec::kMaxBucketBounds &&
                  kMaxExplicitBounds <= SONDE_MAX_BOUNDS &&
                  (1u << SONDE_SEARCH_STEPS) > SONDE_MAX_BOUNDS,
              "the kernel's binary search must cover every list the runtime accepts");

using ast::NumberUnit;
using ast::SchemeNumber;
__extension__ using I128 = __int128;  // bounds are checked for overflow in a wider type
__extension__ using U128 = unsigned __int128;

// Default ranges (docs/histograms.md): latencies from 1 us to 16.8 s, sizes and plain
// numbers from 0, then 1, 2, 4, ... up to 1 GiB (2^30).
constexpr int64_t kDefaultLatencyLow = 1'000;
constexpr int64_t kDefaultLatencyHigh = 10'000'000'000;
constexpr int64_t kDefaultHigh = int64_t{1} << 30;

NumberUnit unit_kind(spec::Unit unit) {
  switch (unit) {
    case spec::Unit::kNanoseconds:
      return NumberUnit::kDuration;
    case spec::Unit::kBytes:
      return NumberUnit::kSize;
    case spec::Unit::kNone:
      break;
  }
  return NumberUnit::kNone;
}

const char* kind_name(NumberUnit unit) {
  return unit == NumberUnit::kDuration ? "a duration" : "a size";
}

class SchemeChecker {
 public:
  SchemeChecker(const ast::Aggregation& a, const ast::SourceManager& sources,
                ast::Diagnostics& diags)
      : a_(a), sources_(sources), diags_(diags) {}

  Verdict units(spec::Unit& unit) {
    const SchemeNumber* first = nullptr;
    for (const auto& n : a_.args) {
      if (n.unit == NumberUnit::kNone) continue;
      if (first && n.unit != first->unit) {
        return diags_.reject(n.range,
                             fmt::format("{} is {}, but {} is {}", text(n), kind_name(n.unit),
                                         text(*first), kind_name(first->unit)),
                             "the bounds of one histogram measure one thing");
      }
      if (!first) first = &n;
    }
    if (!first) return accepted();
    const NumberUnit values = unit_kind(unit);
    if (values == NumberUnit::kNone) {
      unit = first->unit == NumberUnit::kDuration ? spec::Unit::kNanoseconds : spec::Unit::kBytes;
      return accepted();
    }
    if (values != first->unit) {
      return diags_.reject(
          first->range,
          fmt::format("{} is {}, but the values of this histogram are {}", text(*first),
                      kind_name(first->unit),
                      values == NumberUnit::kDuration ? "durations (ns)" : "sizes (bytes)"),
          values == NumberUnit::kDuration
              ? "write the bounds as durations (1us, 10ms, 1s) or plain numbers of nanoseconds"
              : "write the bounds as sizes (512B, 4KiB, 1MiB) or plain numbers of bytes");
    }
    return accepted();
  }

  Verdict log2(spec::Unit unit, Buckets& out) {
    int64_t low = 0, high = kDefaultHigh;
    if (unit == spec::Unit::kNanoseconds) {
      low = kDefaultLatencyLow;
      high = kDefaultLatencyHigh;
    }
    if (!a_.args.empty()) {
      if (a_.args.size() != 2) return arity("log2(LOW, HIGH)");
      low = a_.args[0].value;
      high = a_.args[1].value;
      if (low < 0) {
        return diags_.reject(
            a_.args[0].range,
            fmt::format("log2() bounds start at 0 or above, not {}", text(a_.args[0])),
            "values at or below the first bound count in the first bucket");
      }
      if (high <= low) return empty_range();
    }
    out.first = low == 0 ? 1 : 0;
    out.low = low == 0 ? 1 : low;
    // Powers up to the first at or above `high`, while they fit in an int64.
    const auto base = static_cast<U128>(out.low);
    uint32_t powers = 1;
    while ((base << (powers - 1)) < static_cast<U128>(high)) ++powers;
    if ((base << (powers - 1)) > static_cast<U128>(INT64_MAX)) {
      return diags_.reject(
          a_.scheme_range,
          fmt::format("{} has a bound above the largest 64-bit integer", written()),
          "give a lower upper bound");
    }
    const uint32_t n = out.first + powers;
    for (uint32_t i = 0; i < n; ++i)
      out.bounds.push_back(sonde_log2_bound(static_cast<uint64_t>(out.low), out.first, i));
    return accepted();
  }

  Verdict linear(Buckets& out) {
    if (a_.args.size() != 3) return arity("linear(LOW, HIGH, STEP)");
    const int64_t low = a_.args[0].value, high = a_.args[1].value, step = a_.args[2].value;
    if (step <= 0) {
      return diags_.reject(
          a_.args[2].range,
          fmt::format("the step of linear() must be positive, not {}", text(a_.args[2])));
    }
    if (high <= low) return empty_range();
    // Bounds low, low + step, ... up to the first at or above high.
    const I128 span = static_cast<I128>(high) - low;
    const I128 n = (span + step - 1) / step + 1;
    if (n > spec::kMaxBucketBounds) {
      return diags_.reject(a_.scheme_range,
                           fmt::format("{} makes {} bucket bounds; at most {} are allowed",
                                       written(), static_cast<int64_t>(n), spec::kMaxBucketBounds),
                           "use a larger step, or histogram log2");
    }
    if (low + (n - 1) * step > INT64_MAX) {
      return diags_.reject(
          a_.scheme_range,
          fmt::format("{} has a bound above the largest 64-bit integer", written()),
          "give a lower upper bound");
    }
    out.low = low;
    out.step = static_cast<uint64_t>(step);
    for (uint32_t i = 0; i < static_cast<uint32_t>(n); ++i)
      out.bounds.push_back(sonde_linear_bound(low, out.step, i));
    return accepted();
  }

  Verdict explicit_bounds(Buckets& out) {
    if (a_.args.size() > kMaxExplicitBounds) {
      return diags_.reject(a_.args[kMaxExplicitBounds].range,
                           fmt::format("buckets() takes at most {} bounds", kMaxExplicitBounds),
                           "for evenly spaced bounds use linear(LOW, HIGH, STEP), for a wide range "
                           "log2(LOW, HIGH)");
    }
    for (size_t i = 0; i < a_.args.size(); ++i) {
      if (i > 0 && a_.args[i].value <= a_.args[i - 1].value) {
        return diags_.reject(a_.args[i].range,
                             fmt::format("bucket bounds must increase: {} is not above {}",
                                         text(a_.args[i]), text(a_.args[i - 1])),
                             "write each bound once, from the smallest to the largest");
      }
      out.bounds.push_back(a_.args[i].value);
    }
    return accepted();
  }

 private:
  std::string text(const SchemeNumber& n) const { return std::string(sources_.text(n.range)); }
  std::string written() const { return std::string(sources_.text(a_.scheme_range)); }

  Verdict arity(const char* form) {
    const bool linear = a_.scheme == spec::BucketScheme::kLinear;
    return diags_.reject(
        a_.scheme_range,
        fmt::format("{} takes {} numbers, not {}", form, linear ? "three" : "two", a_.args.size()),
        linear ? "e.g. linear(0, 300ms, 25ms): buckets from 0 to 300ms, 25ms wide"
               : "e.g. log2(1us, 10s): buckets from 1us, each twice as wide as the last, "
                 "up to 10s or just above");
  }

  Verdict empty_range() {
    return diags_.reject(
        a_.scheme_range,
        fmt::format("{} has no buckets: the upper bound must be above the lower", written()));
  }

  const ast::Aggregation& a_;
  const ast::SourceManager& sources_;
  ast::Diagnostics& diags_;
};

}  // namespace

Verdict check_histogram(const ast::Aggregation& a, const ast::SourceManager& sources,
                        ast::Diagnostics& diags, spec::Unit& unit, Buckets& out) {
  SchemeChecker checker(a, sources, diags);
  out = Buckets{};
  out.scheme = a.scheme == spec::BucketScheme::kNone ? spec::BucketScheme::kLog2 : a.scheme;
  if (Verdict v = checker.units(unit); !v) return v;
  switch (out.scheme) {
    case spec::BucketScheme::kLinear:
      return checker.linear(out);
    case spec::BucketScheme::kExplicit:
      return checker.explicit_bounds(out);
    case spec::BucketScheme::kNone:
    case spec::BucketScheme::kLog2:
      break;
  }
  return checker.log2(unit, out);
}

}  // namespace sonde::sema

#include "support/scrape_stages.h"

#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace sonde::stages {

namespace {

constexpr const char* kNames[kStageCount] = {"map_read",  "cpu_sum", "decode", "series",
                                             "serialize", "gzip",    "send"};

std::atomic<int64_t> totals[kStageCount];

}  // namespace

bool enabled() {
  static const bool on = [] {
    const char* value = std::getenv("SONDE_SCRAPE_STAGES");
    return value != nullptr && std::strcmp(value, "1") == 0;
  }();
  return on;
}

void add(Stage stage, std::chrono::steady_clock::duration took) {
  totals[stage].fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count(),
                          std::memory_order_relaxed);
}

std::string take_report() {
  std::string out;
  for (int i = 0; i < kStageCount; ++i) {
    const int64_t ns = totals[i].exchange(0, std::memory_order_relaxed);
    out += fmt::format("{}{}={:.3f}", i ? " " : "", kNames[i], static_cast<double>(ns) / 1e6);
  }
  return out;
}

}  // namespace sonde::stages

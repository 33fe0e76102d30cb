// Where a scrape's time goes, stage by stage, for bench/run.py's breakdown: measured only
// when the environment has SONDE_SCRAPE_STAGES=1 (otherwise each stage costs one
// load of a flag), printed on stderr after each scrape of /metrics.
#pragma once

#include <chrono>
#include <string>

namespace sonde::stages {

enum Stage { kMapRead, kCpuSum, kDecode, kSeries, kSerialize, kGzip, kSend, kStageCount };

bool enabled();
void add(Stage stage, std::chrono::steady_clock::duration took);
// "map_read=0.512 cpu_sum=..." in ms since the last call, and starts over.
std::string take_report();

// Adds the time from its construction to its destruction to `stage`.
class Timer {
 public:
  explicit Timer(Stage stage) : stage_(stage), on_(enabled()) {
    if (on_) start_ = std::chrono::steady_clock::now();
  }
  ~Timer() {
    if (on_) add(stage_, std::chrono::steady_clock::now() - start_);
  }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

 private:
  Stage stage_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace sonde::stages

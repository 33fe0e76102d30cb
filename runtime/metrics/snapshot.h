// What the runtime read out of the maps at one moment, decoded and merged by label
// set, ready for any exporter (Prometheus text, terminal, JSON). Values stay in the
// map's raw unit; exporters convert (nanoseconds -> seconds) through `Family::unit`.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/spec/aggregations.h"
#include "runtime/spec/program.h"

namespace sonde::metrics {

// The metric type, from the aggregation's row (runtime/spec/aggregations.h). kSummary:
// `count` and `sum` only (no quantiles), from avg; `value` is their ratio.
using FamilyType = spec::Family;

struct Bucket {
  double le = 0;       // upper bound in raw units (ns, bytes, ...); inclusive
  uint64_t count = 0;  // observations in this bucket alone (not cumulative)
};

// Label values packed one after the other: each a 4-byte length and its bytes.
inline void pack_label(std::string& out, std::string_view value) {
  const auto size = static_cast<uint32_t>(value.size());
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out += value;
}

// A series' label values, parallel to Family::label_names: packed (pack_label()). The
// collector's series refer to the text it keeps for their label set, which their
// Family keeps alive (`label_store`): 100k series hold no string of their own. Label
// values given any other way are owned.
class LabelValues {
 public:
  LabelValues() = default;
  LabelValues(std::initializer_list<std::string_view> values) { own(values); }
  LabelValues(const std::vector<std::string>& values) { own(values); }  // NOLINT: implicit
  // `count` values packed in `text`, which must outlive every copy (Family::label_store).
  static LabelValues refer(std::string_view text, size_t count) {
    LabelValues v;
    v.data_ = text.data();
    v.size_ = static_cast<uint32_t>(text.size());
    v.count_ = static_cast<uint32_t>(count);
    return v;
  }

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  std::string_view packed() const { return {data_, size_}; }
  std::string_view operator[](size_t i) const {
    std::string_view rest = packed();
    for (size_t j = 0;; ++j) {
      uint32_t size = 0;
      if (rest.size() < sizeof size) return {};
      std::memcpy(&size, rest.data(), sizeof size);
      rest.remove_prefix(sizeof size);
      if (j == i) return rest.substr(0, size);
      rest.remove_prefix(std::min<size_t>(size, rest.size()));
    }
  }
  std::vector<std::string> to_vector() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < count_; ++i) out.emplace_back((*this)[i]);
    return out;
  }
  friend bool operator==(const LabelValues& a, const LabelValues& b) {
    return a.count_ == b.count_ && a.packed() == b.packed();
  }
  // As vectors of strings compare.
  friend bool operator<(const LabelValues& a, const LabelValues& b) {
    for (size_t i = 0; i < a.count_ && i < b.count_; ++i) {
      if (const int c = a[i].compare(b[i]); c != 0) return c < 0;
    }
    return a.count_ < b.count_;
  }

 private:
  template <typename Values>
  void own(const Values& values) {
    auto text = std::make_shared<std::string>();
    for (std::string_view value : values) pack_label(*text, value);
    data_ = text->data();
    size_ = static_cast<uint32_t>(text->size());
    count_ = static_cast<uint32_t>(values.size());
    owned_ = std::move(text);
  }

  const char* data_ = nullptr;
  uint32_t size_ = 0;
  uint32_t count_ = 0;
  std::shared_ptr<const std::string> owned_;  // null: the text is the collector's
};

struct Series {
  LabelValues label_values;  // parallel to Family::label_names
  double value = 0;          // counter, gauge, and a summary's average
  // histogram: finite buckets in ascending `le`; values above the last bound are in
  // `count` only (the +Inf bucket).
  std::vector<Bucket> buckets;
  uint64_t count = 0;  // histogram and summary
  double sum = 0;
};

// A family's series made one at a time as they are read (Family::stream) rather than
// held in Family::series: a /metrics scrape of 100k series then holds no 100k `Series`
// (80 bytes each, and a histogram's buckets), only the one being written.
class SeriesStream {
 public:
  virtual ~SeriesStream() = default;
  // Calls `each` with every series, in order; a series is valid during its call only.
  virtual void for_each(const std::function<void(const Series&)>& each) const = 0;
};

// What a series added over an interval (metrics/interval.h): the difference of two
// readings of its cumulative values, or the whole value when it appeared (or restarted)
// in between.
struct Increase {
  double value = 0;    // count, sum: the increase; avg: the interval's average (NaN: none)
  uint64_t count = 0;  // histogram, avg: observations in the interval
  double sum = 0;      // histogram, avg
  std::vector<uint64_t> buckets;  // histogram: parallel to Series::buckets, not cumulative
  bool changed = false;           // anything happened to the series in the interval
};

struct Family {
  std::string name;  // final Prometheus name ("timer_start_total", "..._seconds")
  std::string help;
  FamilyType type = FamilyType::kCounter;
  spec::Unit unit = spec::Unit::kNone;
  spec::Aggregation aggregation = spec::Aggregation::kCount;
  spec::BucketScheme buckets = spec::BucketScheme::kNone;
  std::vector<std::string> label_names;
  std::vector<Series> series;
  // When set, the series are made by it instead (`series` is empty): only where the
  // snapshot asked for it (Snapshot::stream_series), valid as long as Snapshot::held.
  const SeriesStream* stream = nullptr;
  // What the series' label values refer to, when it is not theirs (LabelValues::refer).
  std::shared_ptr<const void> label_store;
  std::string source;  // statement text, for terminal headings
  // Updates that found the map full: counted in the overflow series (every label
  // kOverflowLabel) instead of a series of their own.
  uint64_t dropped = 0;
  uint32_t capacity = 0;
  uint64_t entries = 0;  // keys in the map when it was read (keyed metrics)
  // Series expiry (spec::Metric::ttl_ns; 0: none), counted since the start: series
  // removed because none of their keys changed for the TTL, and the events (count,
  // avg, histogram: observations) they held when removed.
  uint64_t ttl_ns = 0;
  uint64_t expired_series = 0;
  uint64_t expired_events = 0;
  // Span metrics, when filled in (terminal output): starts the full start map pushed
  // out before their end came, and how many starts it holds.
  uint64_t span_evicted = 0;
  uint32_t span_capacity = 0;
  // Events the kernel did not run the statement's programs for, because a BPF program
  // was already running on that CPU (when filled in: terminal output).
  uint64_t missed = 0;
  // Per-interval views: parallel to `series` when filled in (metrics/interval.h), for
  // families whose values add up events (count, sum, avg, histogram). Empty otherwise:
  // gauges (min, max, gauge) are shown as read.
  std::vector<Increase> increases;
};

// The value of every label of a metric's overflow series: where updates go when its map
// is full (docs/churn.md).
inline constexpr const char* kOverflowLabel = "__overflow__";

// The interval the increases cover.
struct Interval {
  double start = 0;    // unix seconds: the previous reading, or the start
  double end = 0;      // unix seconds: this reading
  double seconds = 0;  // end - start on the monotonic clock (rates divide by it)
  bool first = false;  // start is the start: no reading came before this one
  bool final = false;  // the reading on exit: the interval is cut short
};

struct Snapshot {
  std::vector<Family> families;
  std::optional<Interval> interval;  // set when families carry their increases
  // Not part of what was read: the families of an earlier snapshot, kept for their
  // memory (series, label strings, buckets) so that a warm scrape refills them rather
  // than allocating every series afresh. See family_to_fill().
  std::vector<Family> recycled;
  // Set by a reader that writes the families out at once and nothing more (a /metrics
  // scrape): sources may then give a family's series as a stream (Family::stream) over
  // state of theirs that `held` keeps from changing (a lock) until it is cleared.
  bool stream_series = false;
  std::vector<std::shared_ptr<void>> held;
};

// Calls `each` with every series of `family`, held or streamed.
inline void for_each_series(const Family& family, const std::function<void(const Series&)>& each) {
  if (family.stream != nullptr) {
    family.stream->for_each(each);
    return;
  }
  for (const Series& s : family.series) each(s);
}

// An empty family for the next place of `out`, with the series storage of the recycled
// family at that place (its series are left as they were: the caller overwrites them,
// then resizes `series` to what it wrote).
inline Family family_to_fill(Snapshot& out) {
  Family family;
  const size_t place = out.families.size();
  if (place < out.recycled.size()) family.series = std::move(out.recycled[place].series);
  return family;
}

// Export scale of a unit: raw value * scale = exported value (ns -> s).
inline double export_scale(spec::Unit unit) {
  return unit == spec::Unit::kNanoseconds ? 1e-9 : 1.0;
}

}  // namespace sonde::metrics

#include "runtime/metrics/collector.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "runtime/metrics/buckets.h"
#include "stdlib/bpf/sonde/values.h"

namespace sonde::metrics {
namespace {

template <typename T>
T read_as(std::span<const uint8_t> bytes, size_t offset = 0) {
  T v{};
  if (offset + sizeof(T) <= bytes.size()) std::memcpy(&v, bytes.data() + offset, sizeof(T));
  return v;
}

FamilyType family_type(spec::Aggregation a) {
  switch (a) {
    case spec::Aggregation::kCount:
    case spec::Aggregation::kSum: return FamilyType::kCounter;
    case spec::Aggregation::kHistogram: return FamilyType::kHistogram;
    default: return FamilyType::kGauge;
  }
}

// One label set's values, summed over CPUs and over keys that decode alike.
struct Accumulator {
  std::vector<std::string> labels;
  int64_t sum = 0;
  uint64_t count = 0;
  bool seen = false;
  int64_t value = 0;
  uint64_t ts = 0;
  std::vector<uint64_t> buckets;
};

}  // namespace

struct Collector::MetricState {
  const spec::Metric* metric = nullptr;
  std::unique_ptr<bpf::Map> map;
  bpf::MapEntries entries;
  std::vector<uint8_t> slot_values;  // unkeyed: slot 0 of the per-CPU array
  std::unordered_map<std::string, size_t> index;
  std::vector<Accumulator> series;
  // log2 histograms: the bucket range shown for a label set only grows, so bucket
  // series do not come and go between scrapes.
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>> ranges;
};

Collector::Collector(const spec::Program& program, const bpf::Object& object)
    : program_(program), object_(object) {}

Collector::~Collector() = default;

Result<std::unique_ptr<Collector>> Collector::create(const spec::Program& program, const bpf::Object& object) {
  std::unique_ptr<Collector> c(new Collector(program, object));
  c->decoders_ = std::make_unique<decode::Decoders>(
      [raw = c.get()](const std::string& map, uint32_t id, std::vector<uint64_t>& frames) {
        auto it = raw->stacks_.find(map);
        if (it == raw->stacks_.end()) return false;
        auto found = it->second.read_stack(id, frames);
        return found.ok() && found.value();
      });
  for (const auto& metric : program.metrics) {
    auto state = std::make_unique<MetricState>();
    state->metric = &metric;
    auto map = object.map(metric.map);
    if (!map) return Error{fmt::format("metric {}: {}", metric.name, map.error().message), map.error().hint};
    state->map = std::make_unique<bpf::Map>(std::move(map.value()));
    for (const auto& label : metric.labels) {
      if (!label.aux_map.empty() && !c->stacks_.count(label.aux_map)) {
        auto stacks = object.map(label.aux_map);
        if (!stacks) return stacks.error();
        c->stacks_.emplace(label.aux_map, std::move(stacks.value()));
      }
    }
    c->metrics_.push_back(std::move(state));
  }
  if (!program.drops_map.empty()) {
    if (auto drops = object.map(program.drops_map)) c->drops_ = std::make_unique<bpf::Map>(std::move(drops.value()));
  }
  if (!program.span_stats_map.empty() && !program.spans.empty()) {
    if (auto spans = object.map(program.span_stats_map)) c->span_stats_ = std::make_unique<bpf::Map>(std::move(spans.value()));
  }
  return c;
}

Status Collector::collect(Snapshot& out) {
  for (auto& state : metrics_) {
    Family family;
    if (auto st = collect_metric(*state, family); !st) return st;
    out.families.push_back(std::move(family));
  }
  return {};
}

Status Collector::collect_metric(MetricState& state, Family& family) {
  const spec::Metric& m = *state.metric;
  family.name = m.name;
  family.help = m.help;
  family.type = family_type(m.aggregation);
  family.unit = m.unit;
  family.aggregation = m.aggregation;
  family.buckets = m.buckets;
  family.source = m.source;
  family.capacity = m.keyed ? m.max_entries : 0;
  for (const auto& l : m.labels) family.label_names.push_back(l.name);

  if (drops_) {
    std::vector<uint8_t> buf(drops_->value_bytes());
    if (drops_->lookup_slot(m.drop_index, buf)) {
      for (uint32_t cpu = 0; cpu < drops_->cpus(); ++cpu) family.dropped += read_as<uint64_t>(buf, cpu * 8);
    }
  }

  state.index.clear();
  state.series.clear();
  const bool histogram = m.aggregation == spec::Aggregation::kHistogram;

  auto accumulate = [&](Accumulator& acc, std::span<const uint8_t> v) {
    switch (m.aggregation) {
      case spec::Aggregation::kCount: acc.count += read_as<uint64_t>(v); break;
      case spec::Aggregation::kSum: acc.sum += read_as<int64_t>(v); break;
      case spec::Aggregation::kMin:
      case spec::Aggregation::kMax: {
        auto mm = read_as<sonde_minmax>(v);
        if (!mm.seen) break;
        bool better = !acc.seen || (m.aggregation == spec::Aggregation::kMin ? mm.value < acc.value : mm.value > acc.value);
        if (better) acc.value = mm.value;
        acc.seen = true;
        break;
      }
      case spec::Aggregation::kAvg: {
        auto a = read_as<sonde_avg>(v);
        acc.sum += a.sum;
        acc.count += a.count;
        break;
      }
      case spec::Aggregation::kGauge: {
        auto g = read_as<sonde_gauge>(v);
        if (g.ts && g.ts >= acc.ts) {
          acc.ts = g.ts;
          acc.value = g.value;
          acc.seen = true;
        }
        break;
      }
      case spec::Aggregation::kHistogram: {
        auto head = read_as<sonde_hist_head>(v);
        acc.count += head.count;
        acc.sum += head.sum;
        if (acc.buckets.size() < m.bucket_count) acc.buckets.resize(m.bucket_count);
        for (uint32_t b = 0; b < m.bucket_count; ++b) acc.buckets[b] += read_as<uint64_t>(v, 16 + 8 * b);
        break;
      }
    }
  };

  if (m.keyed) {
    if (auto st = state.map->read_all(state.entries); !st) return st;
    std::string merge_key;
    std::vector<std::string> labels(m.labels.size());
    for (size_t i = 0; i < state.entries.count; ++i) {
      auto key = state.entries.key(i);
      merge_key.clear();
      for (size_t l = 0; l < m.labels.size(); ++l) {
        const std::string& value = decoders_->decode(m.labels[l], key);
        labels[l] = value;
        merge_key += value;
        merge_key += '\x1f';
      }
      auto [it, inserted] = state.index.try_emplace(merge_key, state.series.size());
      if (inserted) {
        state.series.emplace_back();
        state.series.back().labels = labels;
      }
      Accumulator& acc = state.series[it->second];
      for (uint32_t cpu = 0; cpu < state.entries.cpus; ++cpu) accumulate(acc, state.entries.value(i, cpu));
    }
  } else {
    state.slot_values.resize(state.map->value_bytes());
    if (auto st = state.map->lookup_slot(0, state.slot_values); !st) return st;
    state.series.emplace_back();
    Accumulator& acc = state.series.back();
    uint32_t stride = static_cast<uint32_t>(state.map->value_bytes() / state.map->cpus());
    for (uint32_t cpu = 0; cpu < state.map->cpus(); ++cpu) {
      accumulate(acc, std::span<const uint8_t>(state.slot_values).subspan(cpu * stride, m.value_size));
    }
  }

  family.series.reserve(state.series.size());
  for (auto& acc : state.series) {
    Series s;
    s.label_values = std::move(acc.labels);
    switch (m.aggregation) {
      case spec::Aggregation::kCount: s.value = static_cast<double>(acc.count); break;
      case spec::Aggregation::kSum: s.value = static_cast<double>(acc.sum); break;
      case spec::Aggregation::kMin:
      case spec::Aggregation::kMax:
      case spec::Aggregation::kGauge:
        if (!acc.seen) continue;  // no event yet: no value to show
        s.value = static_cast<double>(acc.value);
        break;
      case spec::Aggregation::kAvg:
        if (acc.count == 0) continue;
        s.value = static_cast<double>(acc.sum) / static_cast<double>(acc.count);
        s.count = acc.count;
        s.sum = static_cast<double>(acc.sum);
        break;
      case spec::Aggregation::kHistogram: {
        s.count = acc.count;
        s.sum = static_cast<double>(acc.sum);
        acc.buckets.resize(m.bucket_count);
        uint32_t finite = std::min<uint32_t>(finite_slots(m), m.bucket_count);
        uint32_t lo = 0, hi = finite ? finite - 1 : 0;
        if (m.buckets == spec::BucketScheme::kLog2) {
          // Shown: from one empty bucket below the lowest observation (a lower bound for
          // quantile interpolation) to the highest, kept stable across scrapes.
          uint32_t first = finite, last = 0;
          for (uint32_t b = 0; b < finite; ++b) {
            if (acc.buckets[b]) {
              first = std::min(first, b);
              last = b;
            }
          }
          std::string key;
          for (const auto& l : s.label_values) key += l + '\x1f';
          auto& range = state.ranges.try_emplace(key, finite, 0).first->second;
          if (first < finite) {
            range.first = std::min(range.first, first == 0 ? 0 : first - 1);
            range.second = std::max(range.second, last);
          }
          if (range.first > range.second) {
            lo = 1;
            hi = 0;  // nothing observed yet: no finite buckets
          } else {
            lo = range.first;
            hi = range.second;
          }
        }
        for (uint32_t b = lo; b <= hi && b < finite; ++b) s.buckets.push_back({bucket_le(m, b), acc.buckets[b]});
        break;
      }
    }
    family.series.push_back(std::move(s));
  }
  return {};
}

Result<std::vector<SpanCounters>> Collector::spans() {
  std::vector<SpanCounters> out;
  if (!span_stats_) return out;
  std::vector<uint8_t> buf(span_stats_->value_bytes());
  for (const auto& span : program_.spans) {
    SpanCounters c;
    c.span = span.name;
    c.statement = span.statement;
    c.capacity = span.max_entries;
    for (uint32_t which = 0; which < SONDE_SPAN_STAT_SLOTS; ++which) {
      if (auto st = span_stats_->lookup_slot(span.stats_index * SONDE_SPAN_STAT_SLOTS + which, buf); !st) return st.error();
      uint64_t total = 0;
      for (uint32_t cpu = 0; cpu < span_stats_->cpus(); ++cpu) total += read_as<uint64_t>(buf, cpu * 8);
      (which == SONDE_SPAN_STARTS ? c.starts : c.completed) = total;
    }
    auto starts = object_.map(span.start_map);
    if (!starts) return starts.error();
    bpf::MapEntries entries;
    if (auto st = starts->read_all(entries); !st) return st.error();
    c.in_flight = entries.count;
    uint64_t accounted = c.completed + c.in_flight;
    c.evicted = c.starts > accounted ? c.starts - accounted : 0;
    out.push_back(c);
  }
  return out;
}

Status Collector::clear(uint32_t statement) {
  for (auto& state : metrics_) {
    if (state->metric->statement != statement) continue;
    if (auto st = state->map->clear(); !st) return st;
    state->ranges.clear();
  }
  return {};
}

}  // namespace sonde::metrics

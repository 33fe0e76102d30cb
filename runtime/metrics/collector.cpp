#include "runtime/metrics/collector.h"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "runtime/metrics/accumulator.h"
#include "runtime/metrics/key_index.h"
#include "stdlib/bpf/sonde/values.h"
#include "support/scrape_stages.h"

namespace sonde::metrics {
namespace {

// The sum of a per-CPU u64 slot's values (one 8-byte value per CPU).
uint64_t sum_over_cpus(std::span<const uint8_t> values, uint32_t cpus) {
  uint64_t total = 0;
  for (uint32_t cpu = 0; cpu < cpus && (cpu + 1) * 8 <= values.size(); ++cpu) {
    uint64_t v;
    std::memcpy(&v, values.data() + cpu * 8, 8);
    total += v;
  }
  return total;
}

// Keys that vanished from a map (exited pids) stay known until there are this many
// more of them than live keys; then the metric's series are rebuilt from scratch.
constexpr size_t kStaleKeySlack = 4096;

}  // namespace

struct Collector::MetricState final : SeriesStream {
  // A label set: its decoded values, computed once when a key first decodes to it (in
  // `labels`), and its values, summed afresh at each scrape. One per series: kept small.
  struct LabelSet {
    uint32_t labels_at = 0;  // where its values begin in `labels`
    uint32_t scrape = 0;     // the last scrape that found a key of this set
    Accumulator values;
  };
  // Expiry of a set: the values' activity() when last seen to change, and when
  // (monotonic ns; 0: not yet seen, or gone since).
  struct Expiry {
    uint64_t activity = 0;
    int64_t changed_ns = 0;
  };

  const spec::Metric* metric = nullptr;
  std::unique_ptr<bpf::Map> map;
  // This scrape's keys and the last one's: a map that did not change returns its keys
  // in the same order, so most keys are found by comparing them with the key at the
  // same position last time (sequential memory) instead of probing `by_key`.
  bpf::MapEntries entries, last_entries;
  std::vector<uint32_t> order, last_order;  // set index of each position
  std::vector<uint8_t> slot_values;         // unkeyed: slot 0 of the per-CPU array
  KeyIndex by_key;                          // raw map key -> index in `sets`
  // Whether some label's decoder can give two keys the same text; then `by_labels`
  // (merge key -> index in `sets`) finds the set they share.
  bool merges = false;
  std::unordered_map<std::string, uint32_t> by_labels;  // by packed label values
  std::vector<LabelSet> sets;
  // The label values of every set, packed (pack_label()), in the order of `sets`. The
  // series of a snapshot refer to it (their Family keeps it): text that is there is
  // never moved or changed; a full store is copied into a larger one (make_room()).
  std::shared_ptr<std::string> labels = std::make_shared<std::string>();
  std::vector<Expiry> expiry;        // parallel to `sets` when the metric has a TTL, else empty
  std::vector<std::string> decoded;  // a key's labels being decoded, reused
  uint32_t scrape = 0;
  // Series expiry and overflow, counted since the start (metrics::Family says what).
  uint64_t expired_series = 0;
  uint64_t expired_events = 0;
  std::vector<uint32_t> expiring;  // set indexes being removed this scrape, reused
  std::vector<uint8_t> taken;      // values of a key removed, reused
  std::vector<uint8_t> overflow;   // this metric's slot of the overflow map, reused
  size_t removed = 0;              // keys expire() removed this scrape
  // The overflow series of this scrape, when it is one of its own (no real series has
  // its labels, which would have taken its values).
  bool overflow_apart = false;
  Accumulator overflow_values;

  // This scrape's series: the label sets a key was found for, then the overflow.
  void for_each(const std::function<void(const Series&)>& each) const override;

  uint32_t index_of(decode::Decoders& decoders, std::span<const uint8_t> key);
  // Set i's label values, packed: also the key that tells label sets apart.
  std::string_view labels_of(size_t i) const {
    const size_t end = i + 1 < sets.size() ? sets[i + 1].labels_at : labels->size();
    return std::string_view(*labels).substr(sets[i].labels_at, end - sets[i].labels_at);
  }
  void make_room(size_t bytes) {
    if (labels->size() + bytes <= labels->capacity()) return;
    auto bigger = std::make_shared<std::string>();
    bigger->reserve(std::max(2 * labels->capacity(), labels->size() + bytes));
    bigger->append(*labels);
    labels = std::move(bigger);
  }
  void forget();
};

// Decodes a key seen for the first time. Keys that decode to the same labels (two
// addresses in one function, "WS" and "W" requests) share one set; labels that are
// plain integers never collide, so their keys skip that check.
uint32_t Collector::MetricState::index_of(decode::Decoders& decoders,
                                          std::span<const uint8_t> key) {
  if (uint32_t* known = by_key.find(key)) return *known;
  decoded.resize(metric->labels.size());
  for (size_t i = 0; i < decoded.size(); ++i)
    decoders.decode_to(metric->labels[i], key, decoded[i]);
  auto index = static_cast<uint32_t>(sets.size());
  size_t bytes = 0;
  for (const std::string& value : decoded) bytes += sizeof(uint32_t) + value.size();
  make_room(bytes);
  const size_t at = labels->size();
  for (const std::string& value : decoded) pack_label(*labels, value);
  bool fresh = true;
  if (merges) {
    auto [it, inserted] = by_labels.try_emplace(labels->substr(at), index);
    index = it->second;
    fresh = inserted;
  }
  if (fresh) {
    sets.push_back(LabelSet{static_cast<uint32_t>(at), 0, {}});
    if (metric->ttl_ns > 0) expiry.emplace_back();
  } else {
    labels->resize(at);  // the set's text is there already
  }
  by_key.insert(key, index);
  return index;
}

// Drops every key and label set (the live ones are found again at the next read).
void Collector::MetricState::forget() {
  sets.clear();
  labels = std::make_shared<std::string>();  // earlier snapshots keep theirs
  expiry.clear();
  by_labels.clear();
  by_key.clear();
  last_entries.count = 0;
}

Collector::Collector(const spec::Program& program, const bpf::Object& object)
    : program_(program), object_(object) {}

Collector::~Collector() = default;

Result<std::unique_ptr<Collector>> Collector::create(const spec::Program& program,
                                                     const bpf::Object& object) {
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
    if (!map)
      return Error{fmt::format("metric {}: {}", metric.name, map.error().message),
                   map.error().hint};
    state->map = std::make_unique<bpf::Map>(std::move(map.value()));
    state->by_key = KeyIndex(state->map->info().key_size);
    for (const auto& label : metric.labels) {
      state->merges |=
          label.decoder != spec::Decoder::kUnsigned && label.decoder != spec::Decoder::kSigned;
    }
    for (const auto& label : metric.labels) {
      if (!label.aux_map.empty() && !c->stacks_.count(label.aux_map)) {
        auto stacks = object.map(label.aux_map);
        if (!stacks) return stacks.error();
        c->stacks_.emplace(label.aux_map, std::move(stacks.value()));
      }
    }
    c->metrics_.push_back(std::move(state));
  }
  if (!program.overflow_map.empty()) {
    if (auto overflow = object.map(program.overflow_map))
      c->overflow_ = std::make_unique<bpf::Map>(std::move(overflow.value()));
  }
  if (!program.drops_map.empty()) {
    if (auto drops = object.map(program.drops_map))
      c->drops_ = std::make_unique<bpf::Map>(std::move(drops.value()));
  }
  if (!program.span_stats_map.empty() && !program.spans.empty()) {
    if (auto spans = object.map(program.span_stats_map))
      c->span_stats_ = std::make_unique<bpf::Map>(std::move(spans.value()));
  }
  return c;
}

void Collector::MetricState::for_each(const std::function<void(const Series&)>& each) const {
  const spec::Metric& m = *metric;
  Series s;  // one for all: its buckets keep their memory from one series to the next
  auto fresh = [&s] {
    s.value = 0;
    s.count = 0;
    s.sum = 0;
    s.buckets.clear();
  };
  for (size_t i = 0; i < sets.size(); ++i) {
    const LabelSet& set = sets[i];
    if (set.scrape != scrape) continue;  // no key of this set is in the map now
    fresh();
    if (!set.values.to_series(m, s)) continue;
    s.label_values = LabelValues::refer(labels_of(i), m.labels.size());
    each(s);
  }
  if (!overflow_apart) return;
  fresh();
  if (!overflow_values.to_series(m, s)) return;
  s.label_values = std::vector<std::string>(m.labels.size(), kOverflowLabel);
  each(s);
}

Status Collector::collect(Snapshot& out) {
  for (auto& state : metrics_) {
    Family family = family_to_fill(out);
    if (auto st = collect_metric(*state, family, out.stream_series); !st) return st;
    out.families.push_back(std::move(family));
  }
  return {};
}

Status Collector::collect_metric(MetricState& state, Family& family, bool streamed) {
  const spec::Metric& m = *state.metric;
  family.name = m.name;
  family.help = m.help;
  family.type = spec::family(m);
  family.unit = m.unit;
  family.aggregation = m.aggregation;
  family.buckets = m.buckets;
  family.source = m.source;
  family.capacity = m.keyed ? m.max_entries : 0;
  family.label_names.reserve(m.labels.size());
  for (const auto& l : m.labels) family.label_names.push_back(l.name);

  if (drops_) {
    std::vector<uint8_t> buf(drops_->value_bytes());
    if (drops_->lookup_slot(m.drop_index, buf)) family.dropped = sum_over_cpus(buf, drops_->cpus());
  }

  if (++state.scrape == 0) ++state.scrape;  // 0: a set no scrape found
  const uint32_t scrape = state.scrape;
  const uint64_t epoch = current_epoch(m);
  if (m.keyed) {
    std::swap(state.entries, state.last_entries);
    std::swap(state.order, state.last_order);
    const bpf::MapEntries& entries = state.entries;
    const bpf::MapEntries& last = state.last_entries;
    // Forgetting must not restart the TTL of live series: their timers go by labels.
    std::unordered_map<std::string, std::pair<uint64_t, int64_t>> timers;
    // Keys matched to their label sets and values summed over CPUs batch by batch, as
    // the map is read: only one batch of values is ever held. Stages (bench/run.py): the
    // map read is what the batches' callbacks did not take; keys looked up (and decoded
    // when new) off their last position are apart from the sums.
    const bool timed = stages::enabled();
    std::chrono::steady_clock::duration in_batches{}, decoding{};
    auto on_batch = [&](size_t first, size_t n) {
      const auto batch_start =
          timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      if (first == 0) {
        // Whether the sets are rebuilt (too many keys gone) is decided before the first
        // batch is matched, on the larger of the last scrape's count and this batch's:
        // a map that shrank is forgotten one scrape later than it could be.
        const size_t live = std::max(last.count, n);
        if (state.by_key.size() > 2 * live + kStaleKeySlack) {
          for (size_t i = 0; i < state.expiry.size(); ++i) {
            const MetricState::Expiry& e = state.expiry[i];
            if (e.changed_ns != 0)
              timers.emplace(state.labels_of(i), std::pair(e.activity, e.changed_ns));
          }
          state.forget();
          decoders_->forget_volatile();  // the pids and comms of those keys, too
        }
        // Grown once to the last scrape's size, not by doubling through it again.
        if (state.by_key.size() < last.count) {
          state.by_key.reserve(last.count);
          state.sets.reserve(last.count);
        }
      }
      if (state.order.size() < first + n) state.order.resize(first + n);
      for (size_t j = 0; j < n; ++j) {
        const size_t i = first + j;
        const auto key = entries.key(i);
        const bool same =
            i < last.count && std::memcmp(key.data(), last.key(i).data(), key.size()) == 0;
        uint32_t index = 0;
        if (same) {
          index = state.last_order[i];
        } else if (timed) {
          const auto start = std::chrono::steady_clock::now();
          index = state.index_of(*decoders_, key);
          decoding += std::chrono::steady_clock::now() - start;
        } else {
          index = state.index_of(*decoders_, key);
        }
        state.order[i] = index;
        MetricState::LabelSet& set = state.sets[index];
        if (set.scrape != scrape) {
          set.values.reset();
          set.scrape = scrape;
        }
        for (uint32_t cpu = 0; cpu < entries.cpus; ++cpu)
          set.values.add(m, entries.value(j, cpu), epoch);
      }
      if (timed) in_batches += std::chrono::steady_clock::now() - batch_start;
    };
    const auto read_start =
        timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    if (auto st = state.map->read_all(state.entries, on_batch); !st) {
      state.entries.count = 0;  // no order to compare the next scrape with
      return st;
    }
    if (timed) {
      stages::add(stages::kMapRead, std::chrono::steady_clock::now() - read_start - in_batches);
      stages::add(stages::kDecode, decoding);
      stages::add(stages::kCpuSum, in_batches - decoding);
    }
    // An empty map calls no batch: its sets are forgotten here (no key is live to keep
    // a timer for).
    if (entries.count == 0 && state.by_key.size() > kStaleKeySlack) {
      state.forget();
      decoders_->forget_volatile();
    }
    family.entries = entries.count;
    state.order.resize(entries.count);
    for (size_t i = 0; i < state.expiry.size() && !timers.empty(); ++i) {
      auto it = timers.find(std::string(state.labels_of(i)));
      if (it == timers.end()) continue;
      std::tie(state.expiry[i].activity, state.expiry[i].changed_ns) = it->second;
      timers.erase(it);
    }
  } else {
    state.slot_values.resize(state.map->value_bytes());
    if (auto st = state.map->lookup_slot(0, state.slot_values); !st) return st;
    if (state.sets.empty()) state.sets.emplace_back();
    MetricState::LabelSet& set = state.sets.front();
    set.values.reset();
    set.scrape = scrape;
    uint32_t stride = static_cast<uint32_t>(state.map->value_bytes() / state.map->cpus());
    for (uint32_t cpu = 0; cpu < state.map->cpus(); ++cpu) {
      set.values.add(
          m, std::span<const uint8_t>(state.slot_values).subspan(cpu * stride, m.value_size),
          epoch);
    }
  }

  if (m.keyed && m.ttl_ns > 0) {
    if (auto st = expire(state, scrape); !st) return st;
    family.entries -= state.removed;
  }
  family.ttl_ns = m.ttl_ns;
  family.expired_series = state.expired_series;
  family.expired_events = state.expired_events;

  // The overflow series: every label kOverflowLabel. Should a real series carry exactly
  // those labels, it takes the overflow's values, so that no two series are alike.
  state.overflow_values.reset();
  state.overflow_apart = m.keyed && read_overflow(state, state.overflow_values);
  std::string overflow_labels;
  if (state.overflow_apart) {
    for (size_t i = 0; i < m.labels.size(); ++i) pack_label(overflow_labels, kOverflowLabel);
  }
  for (size_t i = 0; i < state.sets.size(); ++i) {
    MetricState::LabelSet& set = state.sets[i];
    if (set.scrape != scrape) {  // no key of this set is in the map now
      if (!state.expiry.empty()) state.expiry[i].changed_ns = 0;
      continue;
    }
    if (state.overflow_apart && state.labels_of(i) == overflow_labels) {
      state.overflow_apart = false;
      add_values(m, state.overflow, overflow_->cpus(), set.values);
    }
  }
  family.label_store = state.labels;
  if (streamed) {
    family.stream = &state;
    family.series.clear();
    return {};
  }

  const stages::Timer series_timer(stages::kSeries);
  family.series.reserve(state.sets.size() + (state.overflow_apart ? 1 : 0));
  // Series of a recycled family are overwritten in place: their label strings and
  // buckets keep their memory.
  size_t used = 0;
  state.for_each([&](const Series& s) {
    if (used == family.series.size()) family.series.emplace_back();
    Series& to = family.series[used++];
    to.label_values = s.label_values;
    to.value = s.value;
    to.count = s.count;
    to.sum = s.sum;
    to.buckets.assign(s.buckets.begin(), s.buckets.end());
  });
  family.series.resize(used);
  return {};
}

void Collector::add_values(const spec::Metric& m, std::span<const uint8_t> values, uint32_t cpus,
                           Accumulator& out) const {
  if (cpus == 0) return;
  const size_t stride = values.size() / cpus;
  const uint64_t epoch = current_epoch(m);
  for (uint32_t cpu = 0; cpu < cpus; ++cpu) {
    out.add(m, values.subspan(cpu * stride, std::min<size_t>(m.value_size, stride)), epoch);
  }
}

// The metric's slot of the overflow map, summed over CPUs; false when no update ever
// went there (the slot is all zeros).
bool Collector::read_overflow(MetricState& state, Accumulator& out) {
  if (!overflow_) return false;
  state.overflow.resize(overflow_->value_bytes());
  if (!overflow_->lookup_slot(state.metric->drop_index, state.overflow).ok()) return false;
  if (std::all_of(state.overflow.begin(), state.overflow.end(), [](uint8_t b) { return b == 0; }))
    return false;
  add_values(*state.metric, state.overflow, overflow_->cpus(), out);
  return true;
}

// Series whose values did not change for the metric's TTL leave the map: every key of
// the set is removed together with its last values (BPF_MAP_LOOKUP_AND_DELETE_ELEM), so
// an update that came after this scrape read it still counts in the events expired.
Status Collector::expire(MetricState& state, uint32_t scrape) {
  const spec::Metric& m = *state.metric;
  timespec now_ts{};
  clock_gettime(CLOCK_MONOTONIC, &now_ts);
  const int64_t now = static_cast<int64_t>(now_ts.tv_sec) * 1'000'000'000 + now_ts.tv_nsec;
  state.expiring.clear();
  state.removed = 0;
  for (uint32_t i = 0; i < state.sets.size(); ++i) {
    MetricState::LabelSet& set = state.sets[i];
    if (set.scrape != scrape) continue;
    MetricState::Expiry& e = state.expiry[i];
    const uint64_t activity = set.values.activity(m);
    if (e.changed_ns == 0 || activity != e.activity) {
      e.activity = activity;
      e.changed_ns = now;
    } else if (static_cast<uint64_t>(now - e.changed_ns) >= m.ttl_ns) {
      state.expiring.push_back(i);
    }
  }
  if (state.expiring.empty()) return {};
  // Each expiring set's values as the removal found them (indexes ascend: no sort).
  std::vector<Accumulator> last(state.expiring.size());
  const bpf::MapEntries& entries = state.entries;
  state.taken.resize(state.map->value_bytes());
  for (size_t i = 0; i < entries.count; ++i) {
    auto at = std::lower_bound(state.expiring.begin(), state.expiring.end(), state.order[i]);
    if (at == state.expiring.end() || *at != state.order[i]) continue;
    Result<bool> taken = state.map->lookup_and_remove(entries.key(i), state.taken);
    if (!taken.ok()) return taken.error();
    if (!*taken) continue;  // gone already
    ++state.removed;
    add_values(m, state.taken, state.map->cpus(), last[at - state.expiring.begin()]);
  }
  for (size_t e = 0; e < state.expiring.size(); ++e) {
    ++state.expired_series;
    state.expired_events += last[e].events(m);
    state.sets[state.expiring[e]].scrape = 0;        // not shown now; a key that comes back
    state.expiry[state.expiring[e]].changed_ns = 0;  // starts it afresh
  }
  return {};
}

Result<std::vector<SpanCounters>> Collector::spans() {
  std::vector<SpanCounters> out;
  if (!span_stats_) return out;
  std::vector<uint8_t> buf(span_stats_->value_bytes());
  auto read_stat = [&](const spec::Span& span, uint32_t which) -> Result<uint64_t> {
    if (auto st = span_stats_->lookup_slot(span.stats_index * SONDE_SPAN_STAT_SLOTS + which, buf);
        !st)
      return st.error();
    return sum_over_cpus(buf, span_stats_->cpus());
  };
  evicted_floor_.resize(program_.spans.size());
  for (size_t i = 0; i < program_.spans.size(); ++i) {
    const spec::Span& span = program_.spans[i];
    SpanCounters c;
    c.span = span.name;
    c.statement = span.statement;
    c.capacity = span.max_entries;
    // Starts, then in flight, then completed: events between the reads can then only
    // make `evicted` smaller than it was when in-flight was read, never larger (a start
    // read late would count as evicted; a completion read late would count twice).
    auto starts = read_stat(span, SONDE_SPAN_STARTS);
    if (!starts) return starts.error();
    c.starts = *starts;
    auto start_map = object_.map(span.start_map);
    if (!start_map) return start_map.error();
    bpf::MapEntries entries;
    if (auto st = start_map->read_all(entries); !st) return st.error();
    c.in_flight = entries.count;
    auto completed = read_stat(span, SONDE_SPAN_COMPLETED);
    if (!completed) return completed.error();
    c.completed = *completed;
    uint64_t accounted = c.completed + c.in_flight;
    // An underestimate of a counter: it must still never go backwards between scrapes.
    c.evicted = std::max(evicted_floor_[i], c.starts > accounted ? c.starts - accounted : 0);
    evicted_floor_[i] = c.evicted;
    out.push_back(c);
  }
  return out;
}

Status Collector::clear(uint32_t statement) {
  for (auto& state : metrics_) {
    if (state->metric->statement != statement) continue;
    if (auto st = state->map->clear(); !st) return st;
    state->forget();
  }
  return {};
}

}  // namespace sonde::metrics

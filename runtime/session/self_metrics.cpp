#include "runtime/session/self_metrics.h"

#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>

namespace sonde::session {
namespace {

using metrics::Family;
using metrics::FamilyType;

Family family(std::string name, std::string help, FamilyType type,
              std::vector<std::string> labels) {
  Family f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  f.label_names = std::move(labels);
  return f;
}

void add(Family& f, const std::vector<std::string>& labels, double value) {
  metrics::Series s;
  s.label_values = metrics::LabelValues(labels);
  s.value = value;
  f.series.push_back(std::move(s));
}

// Families without series are left out: there is nothing to say about them.
void move_nonempty(Family&& f, metrics::Snapshot& out) {
  if (!f.series.empty()) out.families.push_back(std::move(f));
}

const spec::Metric* metric_of_statement(const spec::Program& program, uint32_t statement) {
  for (const auto& m : program.metrics) {
    if (m.statement == statement) return &m;
  }
  return nullptr;
}

const spec::Span* span_of(const spec::Program& program, const metrics::SpanCounters& c) {
  for (const auto& s : program.spans) {
    if (s.statement == c.statement && s.name == c.span) return &s;
  }
  return nullptr;
}

}  // namespace

SelfMetrics::SelfMetrics(const std::vector<std::unique_ptr<Session>>& sessions, BuildInfo build,
                         std::vector<spec::Probe> not_started)
    : sessions_(sessions), build_(std::move(build)), not_started_(std::move(not_started)) {}

Status SelfMetrics::enable_program_stats() {
  auto enabler = bpf::StatsEnabler::enable();
  if (!enabler) return enabler.error();
  stats_.emplace(std::move(enabler.value()));
  return {};
}

void SelfMetrics::append(metrics::Snapshot& snapshot, const ScrapeInfo& scrape) {
  metrics::Snapshot own;
  append_programs(own);
  append_maps(snapshot, own);

  uint64_t decode_errors = 0;
  for (const auto& s : sessions_) decode_errors += s->decode_stats().errors;
  Family errors = family("sonde_decode_errors_total",
                         "Label values that could not be decoded and are shown as numbers",
                         FamilyType::kCounter, {});
  add(errors, {}, static_cast<double>(decode_errors));
  own.families.push_back(std::move(errors));

  Family duration =
      family("sonde_scrape_duration_seconds",
             "Seconds this scrape spent reading and decoding the BPF maps", FamilyType::kGauge, {});
  add(duration, {}, std::chrono::duration<double>(scrape.reading).count());
  own.families.push_back(std::move(duration));

  append_build_info(build_, own);
  append_process_metrics(own);
  for (auto& f : own.families) snapshot.families.push_back(std::move(f));
}

void SelfMetrics::append_programs(metrics::Snapshot& out) {
  Family runs = family("sonde_program_runs_total",
                       "Times the kernel ran the probe's BPF program (counted while "
                       "kernel.bpf_stats_enabled is on)",
                       FamilyType::kCounter, {"program", "probe", "statement"});
  Family seconds = family("sonde_program_run_seconds_total",
                          "Seconds the kernel spent running the probe's BPF program (counted "
                          "while kernel.bpf_stats_enabled is on)",
                          FamilyType::kCounter, {"program", "probe", "statement"});
  Family misses = family("sonde_program_misses_total",
                         "Events the kernel did not run the probe's BPF program for, because a BPF "
                         "program was already running on that CPU: they are not counted",
                         FamilyType::kCounter, {"program", "probe", "statement"});
  // One series per probe as written; a probe with several programs is attached when
  // all of them are.
  std::map<std::pair<std::string, std::string>, bool> attached;
  auto note = [&](const spec::Probe& p, bool up) {
    auto [it, inserted] = attached.try_emplace({p.display, p.origin}, up);
    if (!inserted) it->second = it->second && up;
  };

  for (const auto& s : sessions_) {
    for (const auto& probe : s->program().probes) {
      bool failed = false;
      for (const auto& f : s->failures()) failed |= f.probe.program == probe.program;
      note(probe, !failed);
      if (failed) continue;
      auto st = s->object().stats(probe.program);
      if (!st) continue;
      std::vector<std::string> labels = {probe.program, probe.display, probe.origin};
      add(runs, labels, static_cast<double>(st->run_count));
      add(misses, labels, static_cast<double>(st->recursion_misses));
      add(seconds, labels, static_cast<double>(st->run_time_ns) / 1e9);
    }
  }
  for (const auto& probe : not_started_) note(probe, false);

  Family up = family("sonde_probe_attached",
                     "1 when the probe is attached, 0 when it could not be loaded or attached "
                     "(the log says why)",
                     FamilyType::kGauge, {"probe", "statement"});
  for (const auto& [key, value] : attached) add(up, {key.first, key.second}, value ? 1 : 0);
  move_nonempty(std::move(runs), out);
  move_nonempty(std::move(seconds), out);
  move_nonempty(std::move(misses), out);
  move_nonempty(std::move(up), out);
}

void SelfMetrics::append_maps(const metrics::Snapshot& in, metrics::Snapshot& out) {
  std::unordered_map<std::string, const Family*> by_name;
  for (const auto& f : in.families) by_name.emplace(f.name, &f);

  Family entries = family("sonde_map_entries", "Keys in the BPF map behind a metric or a span",
                          FamilyType::kGauge, {"metric", "map"});
  Family capacity =
      family("sonde_map_capacity", "Keys the BPF map can hold (the statement's `capacity`)",
             FamilyType::kGauge, {"metric", "map"});
  Family dropped = family("sonde_map_updates_dropped_total",
                          "Updates that found the metric's map full: counted in its series whose "
                          "labels are all __overflow__ instead; raise its `capacity`",
                          FamilyType::kCounter, {"metric"});
  Family expired = family("sonde_series_expired_total",
                          "Series removed because none of their map keys was updated for the "
                          "metric's TTL (ttl clause, --series-ttl)",
                          FamilyType::kCounter, {"metric"});
  Family expired_events =
      family("sonde_series_expired_events_total",
             "Events (count, avg, histogram: observations) the expired series held when removed: "
             "with the live series and the overflow series, every event counted",
             FamilyType::kCounter, {"metric"});
  Family evicted = family("sonde_span_starts_evicted_total",
                          "Span starts pushed out of the full start map before their end came",
                          FamilyType::kCounter, {"span", "metric"});

  Family events_lost =
      family("sonde_events_lost_total",
             "Records of a print statement the kernel could not send: its ring buffer was full",
             FamilyType::kCounter, {"statement", "origin"});

  for (const auto& s : sessions_) {
    const spec::Program& program = s->program();
    if (EventReader* reader = s->events()) {
      for (const auto& e : program.events)
        add(events_lost, {e.name, e.origin}, static_cast<double>(reader->lost(e)));
    }
    for (const auto& m : program.metrics) {
      if (!m.keyed) continue;  // a one-slot array: never full
      auto it = by_name.find(m.name);
      if (it == by_name.end()) continue;
      add(entries, {m.name, m.map}, static_cast<double>(it->second->entries));
      add(capacity, {m.name, m.map}, m.max_entries);
      add(dropped, {m.name}, static_cast<double>(it->second->dropped));
      if (m.ttl_ns > 0) {
        add(expired, {m.name}, static_cast<double>(it->second->expired_series));
        if (m.aggregation == spec::Aggregation::kCount ||
            m.aggregation == spec::Aggregation::kAvg ||
            m.aggregation == spec::Aggregation::kHistogram)
          add(expired_events, {m.name}, static_cast<double>(it->second->expired_events));
      }
    }
    auto spans = s->span_counters();
    if (!spans) continue;
    for (const auto& c : *spans) {
      const spec::Metric* m = metric_of_statement(program, c.statement);
      const spec::Span* span = span_of(program, c);
      std::string metric = m ? m->name : std::string();
      add(evicted, {c.span, metric}, static_cast<double>(c.evicted));
      if (span) {
        add(entries, {metric, span->start_map}, static_cast<double>(c.in_flight));
        add(capacity, {metric, span->start_map}, c.capacity);
      }
    }
  }
  move_nonempty(std::move(entries), out);
  move_nonempty(std::move(capacity), out);
  move_nonempty(std::move(dropped), out);
  move_nonempty(std::move(expired), out);
  move_nonempty(std::move(expired_events), out);
  move_nonempty(std::move(evicted), out);
  move_nonempty(std::move(events_lost), out);
}

}  // namespace sonde::session

#include "runtime/session/session.h"

#include <fmt/format.h>

#include <memory>
#include <mutex>

#include "runtime/bpf/privileges.h"
#include "runtime/decode/cgroup.h"
#include "runtime/session/cgroup_array.h"
#include "runtime/session/relocation.h"
#include "support/duration.h"

namespace sonde::session {
namespace {

// Errors about one probe say which statement it came from.
Error about_probe(const spec::Probe& probe, const Error& e) {
  std::string message = e.message;
  if (!probe.origin.empty() && message.find(probe.origin) == std::string::npos) {
    message = fmt::format("{}: {}", probe.origin, message);
  }
  return Error{message, e.hint};
}

const spec::Probe* probe_of_program(const spec::Program& program, const std::string& name) {
  for (const auto& p : program.probes) {
    if (p.program == name) return &p;
  }
  return nullptr;
}

}  // namespace

void set_series_ttl(spec::Program& program, std::chrono::nanoseconds ttl) {
  for (auto& m : program.metrics) {
    if (m.keyed && !m.ttl_from_statement) m.ttl_ns = static_cast<uint64_t>(ttl.count());
  }
}

Result<std::chrono::nanoseconds> parse_series_ttl(std::string_view text) {
  auto ttl = parse_duration(text);
  if (!ttl)
    return Error{fmt::format("--series-ttl: {} (e.g. 10m, 30s; 0: never)", ttl.error().message),
                 ""};
  if (ttl->count() != 0 && *ttl < std::chrono::seconds(1))
    return Error{fmt::format("--series-ttl {} is shorter than 1s: series are checked for expiry "
                             "about once a second (0 keeps them for ever)",
                             text),
                 ""};
  return *ttl;
}

Result<std::unique_ptr<Session>> Session::start(spec::Program program, const Options& options) {
  if (auto st = bpf::check_privileges(); !st) return st.error();
  std::unique_ptr<Session> s(new Session(std::move(program)));
  const spec::Program& p = s->program_;
  bpf::LoadOptions load;
  load.probes = p.probes;
  RelocationBtf relocation = choose_relocation_btf(p, options.kernel_btf);
  s->relocation_btf_size_ = relocation.subset.size();
  s->whole_btf_reason_ = std::move(relocation.whole_btf_reason);

  if (!options.chained.empty() && !options.strict)
    return Error{"internal error: chained programs need a strict session", ""};
  if (options.strict) {
    auto object = bpf::Object::open(p.object, "sonde", relocation.subset);
    if (!object) return object.error();
    for (const auto& [name, chained] : options.chained) {
      if (auto st = object->reuse_map(chained.map, chained.slot->map_fd()); !st) return st.error();
    }
    if (auto st = object->load(load); !st) {
      Error e = st.error();
      if (const auto* probe = probe_of_program(p, object->failed_program()))
        e = about_probe(*probe, e);
      if (options.verbose && !object->failed_program().empty()) {
        e.message += "\n--- verifier log ---\n" + object->verifier_log(object->failed_program());
      }
      return e;
    }
    s->object_ = std::make_unique<bpf::Object>(std::move(object.value()));
    auto missing = fill_cgroup_array(*s->object_, p, decode::find_cgroup2_mount());
    if (!missing) return missing.error();
    if (!missing->empty()) return missing->front();  // strict: a predicate that cannot hold
    // Every probe or none; a failure names its own statement (two statements on one probe
    // share its display text, so the text alone cannot tell them apart).
    // Chained programs join their hook's chain instead of attaching (hook_chain.h).
    std::vector<spec::Probe> own;
    for (const auto& probe : p.probes) {
      if (!options.chained.contains(probe.program)) own.push_back(probe);
    }
    auto report = bpf::attach_each(*s->object_, own);
    if (!report.failures.empty()) {
      const auto& first = report.failures.front();
      return about_probe(own[first.probe], first.error);
    }
    s->links_ = std::move(report.links);
    for (const auto& [name, chained] : options.chained) {
      if (auto st = chained.slot->fill(s->object_->program_fd(name)); !st) {
        if (const auto* probe = probe_of_program(p, name)) return about_probe(*probe, st.error());
        return st.error();
      }
      s->chain_slots_[name] = chained.slot;
    }
    s->attached_ = p.probes.size();
  } else {
    auto partial = bpf::open_and_load_partial(p.object, "sonde", relocation.subset, load);
    if (!partial) return partial.error();
    s->object_ = std::make_unique<bpf::Object>(std::move(partial->object));
    auto missing = fill_cgroup_array(*s->object_, p, decode::find_cgroup2_mount());
    if (!missing) return missing.error();
    // Not a probe's failure: said as a warning (the probe is empty), and the rest runs.
    for (auto& e : *missing) s->failures_.push_back({spec::Probe{}, std::move(e)});
    std::vector<spec::Probe> loaded;
    for (const auto& probe : p.probes) {
      bool failed = false;
      for (const auto& f : partial->failures) {
        if (f.program == probe.program) {
          s->failures_.push_back({probe, about_probe(probe, f.error)});
          failed = true;
        }
      }
      if (!failed) loaded.push_back(probe);
    }
    auto report = bpf::attach_each(*s->object_, loaded);
    for (const auto& f : report.failures)
      s->failures_.push_back({loaded[f.probe], about_probe(loaded[f.probe], f.error)});
    s->links_ = std::move(report.links);
    s->attached_ = loaded.size() - report.failures.size();
  }

  auto collector = metrics::Collector::create(s->program_, *s->object_);
  if (!collector) return collector.error();
  s->collector_ = std::move(collector.value());
  auto events = EventReader::create(s->program_, *s->object_);
  if (!events) return events.error();
  s->events_ = std::move(events.value());
  return s;
}

Session::~Session() {
  // Detach before the maps go: chain slots and links first, then the object.
  chain_slots_.clear();
  links_.clear();
  events_.reset();
  collector_.reset();
  object_.reset();
}

const ChainSlot* Session::chain_slot(const std::string& program) const {
  auto it = chain_slots_.find(program);
  return it == chain_slots_.end() ? nullptr : it->second.get();
}

Status Session::snapshot(metrics::Snapshot& out) {
  std::unique_lock series(series_mutex_);
  std::lock_guard lock(mutex_);
  Status read = collector_->collect(out);
  // Streamed series are read after this returns: the collector's state stays as it is
  // until the snapshot lets go.
  if (out.stream_series)
    out.held.push_back(std::make_shared<std::unique_lock<std::mutex>>(std::move(series)));
  return read;
}

Result<std::vector<metrics::SpanCounters>> Session::span_counters() {
  std::lock_guard lock(mutex_);
  return collector_->spans();
}

Status Session::sweep() {
  const std::lock_guard series(series_mutex_);
  std::lock_guard lock(mutex_);
  metrics::Snapshot discarded;
  discarded.stream_series = true;  // nothing reads them: no series are made
  return collector_->collect(discarded);
}

uint64_t Session::shortest_series_ttl_ns() const {
  uint64_t shortest = 0;
  for (const auto& m : program_.metrics) {
    if (m.keyed && m.ttl_ns > 0 && (shortest == 0 || m.ttl_ns < shortest)) shortest = m.ttl_ns;
  }
  return shortest;
}

Status Session::clear(uint32_t statement) {
  const std::lock_guard series(series_mutex_);
  std::lock_guard lock(mutex_);
  return collector_->clear(statement);
}

decode::DecodeStats Session::decode_stats() {
  std::lock_guard lock(mutex_);
  return collector_->decode_stats();
}

}  // namespace sonde::session

#include "tools/sonde/repl/registry.h"

#include <fmt/format.h>

#include <set>

namespace sonde::repl {
namespace {

Error not_attached(uint32_t number) {
  return Error{fmt::format("there is no attached statement [{}]", number),
               "see :list for the numbers"};
}

struct RunCounts {
  uint64_t runs = 0, ns = 0;
  bool whole_hook = false;
};

// Kernel run counts of every program of a session, summed. A program tail-called by its
// hook's dispatcher has none of its own: the dispatcher's stand for it (they include
// every program of the chain).
std::optional<RunCounts> run_counts(const session::Session& s) {
  std::set<std::string> programs;
  for (const auto& p : s.program().probes) programs.insert(p.program);
  RunCounts counts;
  for (const auto& name : programs) {
    const session::ChainSlot* slot = s.chain_slot(name);
    auto stats = slot != nullptr ? slot->dispatcher_stats() : s.object().stats(name);
    if (!stats) return std::nullopt;
    counts.runs += stats->run_count;
    counts.ns += stats->run_time_ns;
    counts.whole_hook = counts.whole_hook || slot != nullptr;
  }
  return counts;
}

}  // namespace

Registry::Entry* Registry::find(uint32_t number) {
  for (auto& e : entries_) {
    if (e.number == number) return &e;
  }
  return nullptr;
}

const Registry::Entry* Registry::find(uint32_t number) const {
  return const_cast<Registry*>(this)->find(number);
}

uint32_t Registry::next_number() const {
  std::lock_guard lock(mutex_);
  return next_;
}

void Registry::add_definition(std::string text) {
  std::lock_guard lock(mutex_);
  Entry e;
  e.number = next_++;
  e.text = std::move(text);
  entries_.push_back(std::move(e));
}

void Registry::add_statement(std::string text, std::string c_source,
                             std::unique_ptr<session::Session> session) {
  std::lock_guard lock(mutex_);
  Entry e;
  e.number = next_++;
  e.text = std::move(text);
  e.c_source = std::move(c_source);
  e.session = std::move(session);
  e.last_read = Clock::now();
  // A hook's dispatcher may have run long before this statement joined its chain.
  if (auto counts = run_counts(*e.session)) {
    e.first_events = e.last_events = counts->runs;
    e.last_run_ns = counts->ns;
  }
  entries_.push_back(std::move(e));
}

std::optional<uint32_t> Registry::metric_owner(const std::string& metric) const {
  std::lock_guard lock(mutex_);
  for (const auto& e : entries_) {
    if (!e.session) continue;
    for (const auto& m : e.session->program().metrics) {
      if (m.name == metric) return e.number;
    }
  }
  return std::nullopt;
}

Status Registry::check_attached(uint32_t number) const {
  std::lock_guard lock(mutex_);
  const Entry* e = find(number);
  if (e == nullptr) return not_attached(number);
  if (!e->session) {
    return Error{
        fmt::format("[{}] is a definition: it has no values", number),
        "definitions stay for the whole session; statements that use them can be detached"};
  }
  return {};
}

Status Registry::detach(uint32_t number) {
  if (auto st = check_attached(number); !st) return st;
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const Entry& e) { return e.number == number; });
  return {};
}

size_t Registry::detach_all() {
  std::lock_guard lock(mutex_);
  size_t n = std::erase_if(entries_, [](const Entry& e) { return e.session != nullptr; });
  return n;
}

Status Registry::clear(uint32_t number) {
  if (auto st = check_attached(number); !st) return st;
  std::lock_guard lock(mutex_);
  return find(number)->session->clear(number);
}

Status Registry::snapshot(std::optional<uint32_t> number, metrics::Snapshot& out) {
  if (number) {
    if (auto st = check_attached(*number); !st) return st;
  }
  std::lock_guard lock(mutex_);
  for (auto& e : entries_) {
    if (!e.session || (number && e.number != *number)) continue;
    if (auto st = e.session->snapshot(out); !st) return st;
  }
  return {};
}

std::string Registry::c_source(uint32_t number) const {
  std::lock_guard lock(mutex_);
  const Entry* e = find(number);
  return e != nullptr ? e->c_source : std::string();
}

std::vector<StatementRow> Registry::rows() {
  std::lock_guard lock(mutex_);
  std::vector<StatementRow> rows;
  auto now = Clock::now();
  for (auto& e : entries_) {
    StatementRow row;
    row.number = e.number;
    row.text = e.text;
    row.definition = !e.session;
    if (e.session) {
      row.probes = e.session->attached_probes();
      for (const auto& m : e.session->program().metrics) row.metrics.push_back(m.name);
      if (auto counts = run_counts(*e.session)) {
        auto [runs, ns, whole_hook] = *counts;
        double seconds = std::chrono::duration<double>(now - e.last_read).count();
        uint64_t new_runs = runs - e.last_events;
        Activity a;
        a.events = runs - e.first_events;
        a.per_second = seconds > 0 ? static_cast<double>(new_runs) / seconds : 0;
        a.ns_per_event =
            new_runs > 0 ? static_cast<double>(ns - e.last_run_ns) / static_cast<double>(new_runs)
                         : 0;
        a.whole_hook = whole_hook;
        row.activity = a;
        e.last_events = runs;
        e.last_run_ns = ns;
        e.last_read = now;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> Registry::attached_numbers() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> out;
  for (const auto& e : entries_) {
    if (e.session) out.push_back(std::to_string(e.number));
  }
  return out;
}

size_t Registry::attached_count() const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& e : entries_) n += e.session ? 1 : 0;
  return n;
}

std::string Registry::saved_text(size_t& statements) const {
  std::lock_guard lock(mutex_);
  std::string out = "# Saved from sonde repl. Run it with: sonde run FILE\n";
  statements = 0;
  for (const auto& e : entries_) {
    out += e.text;
    out += '\n';
    ++statements;
  }
  return out;
}

}  // namespace sonde::repl

// The session's statements in the order they were typed: definitions, which stay,
// and attached statements, each with its running Session until detached. The HTTP
// thread serving /metrics reads it too, so every method takes the lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/metrics/snapshot.h"
#include "runtime/session/session.h"
#include "support/result.h"

namespace sonde::repl {

// How busy a statement's probes are, from the kernel's per-program run counts.
struct Activity {
  uint64_t events = 0;      // runs of the statement's BPF programs since attached
  double per_second = 0;    // over the time since the previous reading
  double ns_per_event = 0;  // kernel time per run over that time (0 when no runs)
  // The statement shares its hook's attachment with others (hook_chains.h): the figures
  // are the hook's dispatcher's, one run an event for all of them together.
  bool whole_hook = false;
};

struct StatementRow {
  uint32_t number = 0;
  std::string text;
  bool definition = false;
  size_t probes = 0;
  std::vector<std::string> metrics;
  std::optional<Activity> activity;  // attached statements, when the counts could be read
};

class Registry {
 public:
  using Clock = std::chrono::steady_clock;

  // The number the next statement gets (numbers are never reused).
  uint32_t next_number() const;
  void add_definition(std::string text);
  void add_statement(std::string text, std::string c_source,
                     std::unique_ptr<session::Session> session);

  // The attached statement exporting `metric`, if any.
  std::optional<uint32_t> metric_owner(const std::string& metric) const;
  // Whether `number` is a statement that can be shown, watched, detached.
  Status check_attached(uint32_t number) const;

  Status detach(uint32_t number);
  size_t detach_all();
  Status clear(uint32_t number);
  // Appends the values of one attached statement, or of all when `number` is empty.
  Status snapshot(std::optional<uint32_t> number, metrics::Snapshot& out);
  std::string c_source(uint32_t number) const;

  // Rows for :list; the rates are measured since the previous call (or the attach).
  std::vector<StatementRow> rows();
  std::vector<std::string> attached_numbers() const;
  size_t attached_count() const;
  // Definitions and attached statements, in order: a file `sonde run` accepts.
  std::string saved_text(size_t& statements) const;

 private:
  struct Entry {
    uint32_t number = 0;
    std::string text;
    std::string c_source;
    std::unique_ptr<session::Session> session;  // null for definitions
    Clock::time_point last_read;
    uint64_t first_events = 0;  // the run count when attached
    uint64_t last_events = 0;
    uint64_t last_run_ns = 0;
  };
  Entry* find(uint32_t number);
  const Entry* find(uint32_t number) const;

  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  uint32_t next_ = 1;
};

}  // namespace sonde::repl

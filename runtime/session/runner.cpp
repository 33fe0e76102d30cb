#include "runtime/session/runner.h"

#include "support/service_notify.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <map>

#include "runtime/export/events.h"
#include "runtime/export/json_lines.h"
#include "runtime/export/metrics_server.h"
#include "runtime/export/terminal.h"
#include "runtime/export/web_config.h"
#include "runtime/metrics/interval.h"

namespace sonde::session {
namespace {

using Clock = std::chrono::steady_clock;

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void write_all(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stdout closed: nothing more to say
    done += static_cast<size_t>(n);
  }
}

// Every session is read even when one fails; the first error is returned.
Status take_snapshot(std::vector<std::unique_ptr<Session>>& sessions, metrics::Snapshot& out) {
  Status first;
  for (auto& s : sessions) {
    if (auto st = s->snapshot(out); !st && first.ok()) first = st;
  }
  return first;
}

void print_error(const Error& e, const char* severity = "error") {
  fmt::print(stderr, "{}: {}\n", severity, e.message);
  if (!e.hint.empty()) fmt::print(stderr, "hint: {}\n", e.hint);
}

// The family of a session's statement in `snapshot`, if any.
metrics::Family* family_of(Session& s, uint32_t statement, metrics::Snapshot& snapshot) {
  for (const auto& m : s.program().metrics) {
    if (m.statement != statement) continue;
    for (auto& f : snapshot.families) {
      if (f.name == m.name) return &f;
    }
  }
  return nullptr;
}

// What each statement lost beyond full maps, for the terminal's warnings (/metrics has
// them as sonde_span_starts_evicted_total and sonde_program_misses_total): span starts
// pushed out of a full start map, and events the kernel skipped the program for. Read
// after the values, so never fewer than those values missed.
void add_losses(std::vector<std::unique_ptr<Session>>& sessions, metrics::Snapshot& snapshot) {
  for (auto& s : sessions) {
    if (auto spans = s->span_counters()) {
      for (const auto& c : *spans) {
        if (auto* f = family_of(*s, c.statement, snapshot)) {
          f->span_evicted += c.evicted;
          f->span_capacity = c.capacity;
        }
      }
    }
    for (const auto& probe : s->program().probes) {
      auto stats = s->object().stats(probe.program);
      auto* f = family_of(*s, probe.statement, snapshot);
      if (stats && f) f->missed += stats->recursion_misses;
    }
  }
}

// `print` statements: their records as they come, and what the kernel could not send.
class EventPrinter {
 public:
  EventPrinter(std::vector<std::unique_ptr<Session>>& sessions, Format format)
      : sessions_(sessions), format_(format) {
    for (auto& s : sessions_) {
      if (s->events()) count_ += s->program().events.size();
    }
  }
  bool any() const { return count_ > 0; }

  void headers() {
    if (format_ != Format::kText) return;
    std::string out;
    for (auto& s : sessions_) {
      if (!s->events()) continue;
      for (const auto& e : s->program().events) {
        if (count_ > 1) out += e.name + ": ";
        exporter::append_event_header(e, out);
      }
    }
    write_all(out);
  }

  void drain() {
    std::string out;
    const double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();  // when read: within 100 ms of the event
    EventSink sink = [&](const spec::Events& e, const std::vector<std::string>& values) {
      if (format_ == Format::kJson) {
        exporter::append_event_json(e, values, now, out);
      } else if (format_ == Format::kText) {
        if (count_ > 1) out += e.name + ": ";
        exporter::append_event_line(e, values, out);
      }
      if (out.size() > (1 << 16)) {
        write_all(out);
        out.clear();
      }
    };
    for (auto& s : sessions_) {
      if (!s->events()) continue;
      if (auto n = s->events()->drain(sink); !n) {
        fmt::print(stderr, "error: reading events: {}\n", n.error().message);
      }
    }
    write_all(out);
  }

  // "N events lost" on stderr for each statement whose count grew since last said.
  void losses() {
    for (auto& s : sessions_) {
      if (!s->events()) continue;
      for (const auto& e : s->program().events) {
        const uint64_t lost = s->events()->lost(e);
        uint64_t& said = said_[e.name];
        if (lost == said) continue;
        said = lost;
        fmt::print(stderr, "{} events lost ({} at {}: the ring buffer was full)\n", lost, e.name,
                   e.origin);
      }
    }
    fflush(stderr);
  }

 private:
  std::vector<std::unique_ptr<Session>>& sessions_;
  Format format_;
  size_t count_ = 0;
  std::map<std::string, uint64_t> said_;
};

std::string clock_time(double unix_seconds) {
  return fmt::format("{:%H:%M:%S}", fmt::localtime(static_cast<time_t>(unix_seconds)));
}

// What a per-interval print shows: the interval's values, then the totals since attach.
std::string interval_heading(const metrics::Interval& interval) {
  return fmt::format("{}  {}interval: the {:.2f}s since {}{}; total: since attach\n",
                     clock_time(interval.end), interval.final ? "on exit, last (partial) " : "",
                     interval.seconds, interval.first ? "attach at " : "",
                     clock_time(interval.start));
}

}  // namespace

void block_stop_signals() {
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int run(std::vector<std::unique_ptr<Session>>& sessions, const RunOptions& options,
        SnapshotHook hook) {
  block_stop_signals();
  std::optional<exporter::MetricsServer> server;
  if (options.listen) {
    exporter::ServerOptions server_options;
    if (!options.web_config.empty()) {
      auto web = exporter::read_web_config(options.web_config);
      if (!web) {
        print_error(web.error());
        return 1;
      }
      server_options.web = std::move(web.value());
    }
    auto started = exporter::MetricsServer::start(
        *options.listen,
        [&](metrics::Snapshot& snapshot) -> Status {
          // Written out at once by the server: the series need not be copied out.
          snapshot.stream_series = true;
          const auto began = Clock::now();
          Status read = take_snapshot(sessions, snapshot);
          if (hook) hook(snapshot, ScrapeInfo{Clock::now() - began});
          return read;
        },
        server_options);
    if (!started) {
      print_error(started.error());
      return 1;
    }
    server.emplace(std::move(started.value()));
    if (const std::string risk = server->exposure_warning(); !risk.empty()) {
      print_error(Error{risk,
                        "give --web-config a file with tls_server_config and "
                        "basic_auth_users (deploy/web-config.yml), or listen on "
                        "127.0.0.1"},
                  "warning");
    }
  }

  size_t probes = 0;
  for (const auto& s : sessions) probes += s->attached_probes();
  if (!options.quiet) {
    std::string ready = options.ready_message.empty()
                            ? fmt::format("attached {} probe{}", probes, probes == 1 ? "" : "s")
                            : options.ready_message;
    if (server) ready += fmt::format("; serving {}", server->url());
    fmt::print(stderr, "{}\n", ready);
    fflush(stderr);
  }
  // A service manager learns it here: every probe that could attach is attached, and
  // /metrics answers.
  notify_service(
      fmt::format("READY=1\nSTATUS=attached {} probe{}", probes, probes == 1 ? "" : "s"));

  EventPrinter events(sessions, options.format);
  events.headers();
  // Records wait in the ring buffer until read: reading them this often keeps a 1 MiB
  // buffer from filling at up to ~300,000 events a second.
  constexpr auto kEventPoll = std::chrono::milliseconds(100);
  std::optional<Clock::time_point> next_loss_check;

  // Per-interval views: each print shows what came since the one before.
  const bool per_interval = options.interval && !options.cumulative;
  metrics::IntervalTracker tracker(metrics::unix_seconds_now(), metrics::monotonic_seconds_now());

  auto print = [&](bool final) {
    if (options.format == Format::kNone) return;
    metrics::Snapshot snapshot;
    if (auto st = take_snapshot(sessions, snapshot); !st) {
      fmt::print(stderr, "error: reading maps: {}\n", st.error().message);
      return;
    }
    add_losses(sessions, snapshot);
    if (per_interval) {
      tracker.advance(snapshot, metrics::unix_seconds_now(), metrics::monotonic_seconds_now());
      snapshot.interval->final = final;
    }
    if (snapshot.families.empty() && events.any()) return;  // only events: nothing to tabulate
    std::string out;
    if (options.format == Format::kJson) {
      const double ts =
          snapshot.interval ? snapshot.interval->end : static_cast<double>(time(nullptr));
      exporter::append_json_lines(snapshot, ts, out);
    } else {
      if (per_interval) {
        out += interval_heading(*snapshot.interval);
      } else if (!final || options.interval) {
        out += fmt::format("{:%H:%M:%S}\n", fmt::localtime(time(nullptr)));
      }
      exporter::TerminalOptions t;
      t.top = options.top;
      if (per_interval) t.view = exporter::View::kInterval;
      exporter::append_terminal_text(snapshot, t, out);
    }
    write_all(out);
  };

  const auto start = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (options.duration) deadline = start + *options.duration;
  std::optional<Clock::time_point> next_print;
  if (options.interval) next_print = start + *options.interval;
  // Series past their TTL leave the maps when the maps are read; when nothing reads
  // them (no scrape, no print), a sweep does, a tenth of the shortest TTL apart (1 s to
  // 1 min): a series goes between its TTL and a tenth more after its last update.
  uint64_t shortest_ttl = 0;
  for (const auto& s : sessions) {
    const uint64_t ttl = s->shortest_series_ttl_ns();
    if (ttl > 0 && (shortest_ttl == 0 || ttl < shortest_ttl)) shortest_ttl = ttl;
  }
  std::optional<Clock::duration> sweep_every;
  std::optional<Clock::time_point> next_sweep;
  if (shortest_ttl > 0) {
    sweep_every = std::clamp<Clock::duration>(
        std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(shortest_ttl / 10)),
        std::chrono::seconds(1), std::chrono::minutes(1));
    next_sweep = start + *sweep_every;
  }

  sigset_t set = stop_signals();
  while (true) {
    auto now = Clock::now();
    auto wake = now + std::chrono::hours(1);
    if (deadline) wake = std::min(wake, *deadline);
    if (next_print) wake = std::min(wake, *next_print);
    if (next_sweep) wake = std::min(wake, *next_sweep);
    if (events.any()) wake = std::min(wake, now + kEventPoll);
    auto wait = std::max(wake - now, Clock::duration::zero());
    timespec ts{};
    ts.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(wait).count();
    ts.tv_nsec =
        (std::chrono::duration_cast<std::chrono::nanoseconds>(wait) % std::chrono::seconds(1))
            .count();
    int sig = sigtimedwait(&set, nullptr, &ts);
    if (sig > 0) {
      notify_service("STOPPING=1");
      break;
    }
    now = Clock::now();
    if (events.any()) {
      events.drain();
      if (!next_loss_check || now >= *next_loss_check) {
        events.losses();
        next_loss_check = now + std::chrono::seconds(1);
      }
    }
    if (deadline && now >= *deadline) {
      notify_service("STOPPING=1");
      break;
    }
    if (next_print && now >= *next_print) {
      print(false);
      while (*next_print <= now) *next_print += *options.interval;
    }
    if (next_sweep && now >= *next_sweep) {
      for (auto& s : sessions) {
        if (auto st = s->sweep(); !st) print_error(st.error(), "warning");
      }
      while (*next_sweep <= now) *next_sweep += *sweep_every;
    }
  }
  if (server) server->stop();
  if (events.any()) {
    events.drain();  // what came after the last read
    events.losses();
  }
  print(true);
  return 0;
}

}  // namespace sonde::session

#include "tools/cli/run_flags.h"

#include <fmt/format.h>

#include <charconv>

#include "support/duration.h"

namespace sonde::cli {

Status parse_run_flags(const Args& args, session::RunOptions& run) {
  if (auto listen = args.value("--listen")) run.listen = *listen;
  if (args.has("--quiet")) run.quiet = true;
  if (args.has("--cumulative")) run.cumulative = true;
  if (auto config = args.value("--web-config")) run.web_config = *config;
  for (const char* flag : {"--interval", "--duration"}) {
    auto text = args.value(flag);
    if (!text) continue;
    auto d = parse_duration(*text);
    if (!d) return Error{fmt::format("{}: {}", flag, d.error().message), ""};
    if (d->count() <= 0) return Error{fmt::format("{} must be positive", flag), ""};
    const bool interval = std::string_view(flag) == "--interval";
    if (interval && *d < kMinInterval) {
      return Error{
          fmt::format("--interval must be at least {}ms, not {}", kMinInterval.count(), *text),
          "each print reads every map; use --listen for a scraper to poll instead"};
    }
    (interval ? run.interval : run.duration) = *d;
  }
  if (auto f = args.value("--format")) {
    if (*f == "text") {
      run.format = session::Format::kText;
    } else if (*f == "json") {
      run.format = session::Format::kJson;
    } else {
      return Error{fmt::format("--format must be text or json, not '{}'", *f), ""};
    }
  }
  if (auto t = args.value("--top")) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(t->data(), t->data() + t->size(), n);
    if (ec != std::errc() || end != t->data() + t->size() || n == 0)
      return Error{fmt::format("--top needs a positive number, not '{}'", *t), ""};
    run.top = n;
  }
  return {};
}

}  // namespace sonde::cli

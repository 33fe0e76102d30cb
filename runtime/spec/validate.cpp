#include "runtime/spec/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "runtime/spec/aggregations.h"

namespace sonde::spec {
namespace {

// enum bpf_map_type values of the maps the compiler declares (stdlib/bpf/sonde/prelude.h).
constexpr uint32_t kPercpuHash = 5, kPercpuArray = 6, kStackTrace = 7, kLruHash = 9,
                   kCgroupArray = 8;
constexpr uint16_t kElfRel = 1, kElfMachineBpf = 247;  // ET_REL, EM_BPF

Error invalid(std::string_view where, std::string what) {
  return Error{printable(fmt::format("invalid bundle: {}: {}", where, what)),
               "the bundle was not written by this release's `sonde build`, or was changed "
               "after: rebuild it from its source"};
}

bool is_metric_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool is_label_name(std::string_view s) {
  return is_metric_name(s) && s.find(':') == std::string_view::npos;
}

// Labels Prometheus gives a meaning of its own: `__name__` and every `__` name, a
// histogram bucket's `le`, a summary's `quantile`.
const char* reserved_label(std::string_view name) {
  if (name.starts_with("__")) return "names starting with \"__\" are reserved by Prometheus";
  if (name == "le") return "Prometheus gives it to histogram buckets";
  if (name == "quantile") return "Prometheus gives it to summary quantiles";
  return nullptr;
}

bool integer_decoder(Decoder d) {
  return d == Decoder::kUnsigned || d == Decoder::kSigned || d == Decoder::kEnum ||
         d == Decoder::kBool || d == Decoder::kErrno || d == Decoder::kSyscall;
}

Status check_label(const Metric& m, const Label& l, std::string_view where) {
  auto bad = [&](std::string what) {
    return invalid(where, fmt::format("metric {}: label {}: {}", m.name, l.name, what));
  };
  if (!is_label_name(l.name)) return bad("name: not a Prometheus label name");
  if (const char* why = reserved_label(l.name)) return bad(fmt::format("name: reserved ({})", why));
  if (l.size == 0) return bad("size: 0 bytes");
  if (uint64_t{l.offset} + l.size > m.key_size)
    return bad(
        fmt::format("offset {} size {}: outside the {}-byte key", l.offset, l.size, m.key_size));
  if (integer_decoder(l.decoder) && l.size != 1 && l.size != 2 && l.size != 4 && l.size != 8)
    return bad(fmt::format("size: an integer of {} bytes (1, 2, 4 or 8)", l.size));
  // IPv4, IPv6, or a sockaddr_in/sockaddr_in6 (tcp_probe's 28-byte fields).
  if (l.decoder == Decoder::kInet && l.size != 4 && l.size != 16 && l.size != 28)
    return bad(fmt::format("size: an address of {} bytes (4, 16 or a 28-byte sockaddr)", l.size));
  if (l.enum_names.size() > 65536) return bad(fmt::format("{} enum names", l.enum_names.size()));
  for (const auto& e : l.enum_names) {
    if (e.name.size() > kMaxNameBytes) return bad("an enum name longer than its limit");
  }
  const bool stack = l.decoder == Decoder::kKstack || l.decoder == Decoder::kUstack;
  if (stack && l.aux_map.empty()) return bad("aux_map: a stack label names no stack map");
  if (l.pid_offset < -1 || (l.pid_offset >= 0 && uint64_t(l.pid_offset) + 4 > m.key_size))
    return bad(fmt::format("pid_offset {}: outside the {}-byte key", l.pid_offset, m.key_size));
  return {};
}

// The metric's value: the aggregation's head, and a bucketed one's slots.
uint64_t value_size_of(const Metric& m) {
  const AggregationInfo& a = aggregation_info(m.aggregation);
  return a.value_size + (a.bucketed ? 8 * (uint64_t{m.bounds.size()} + 1) : 0);
}

Status check_metric(const Metric& m, std::string_view where) {
  auto bad = [&](std::string what) {
    return invalid(where, fmt::format("metric {}: {}", m.name, what));
  };
  if (!is_metric_name(m.name))
    return invalid(where, fmt::format("metric '{}': name: not a Prometheus metric name",
                                      m.name.substr(0, kMaxNameBytes)));
  if (m.help.size() > kMaxHelpBytes) return bad(fmt::format("help: {} bytes", m.help.size()));
  if (m.map.empty() || m.map.size() > kMaxNameBytes) return bad("map: no valid map name");

  const Family f = family(m);
  const bool total = m.name.ends_with("_total");
  if (f == Family::kCounter && !total) return bad("name: a counter's name ends in _total");
  if (f != Family::kCounter && total)
    return bad("name: ends in _total, but the metric is not a counter");
  if (f == Family::kHistogram || f == Family::kSummary) {
    for (const char* suffix : {"_bucket", "_count", "_sum"}) {
      if (m.name.ends_with(suffix))
        return bad(fmt::format("name: ends in {}, a name its series take", suffix));
    }
  }

  const bool bucketed = aggregation_info(m.aggregation).bucketed;
  if (bucketed != (m.buckets != BucketScheme::kNone))
    return bad(bucketed ? "buckets: a histogram without a bucket scheme"
                        : "buckets: a bucket scheme on a metric that is not a histogram");
  if (bucketed != !m.bounds.empty())
    return bad(bucketed ? "bounds: a histogram without bucket bounds"
                        : "bounds: bucket bounds on a metric that is not a histogram");
  if (m.bounds.size() > kMaxBucketBounds)
    return bad(fmt::format("bounds: {}, more than {}", m.bounds.size(), kMaxBucketBounds));
  for (size_t i = 1; i < m.bounds.size(); ++i) {
    if (m.bounds[i] <= m.bounds[i - 1])
      return bad(fmt::format("bounds: do not increase ({} then {})", m.bounds[i - 1], m.bounds[i]));
  }
  const bool windowed = aggregation_info(m.aggregation).windowed;
  if (windowed != (m.window_ns != 0))
    return bad(windowed ? "window_ns: a minimum or maximum without a window"
                        : "window_ns: a window on a metric that is not windowed");
  if (m.value_size != value_size_of(m))
    return bad(fmt::format("value_size: {} bytes, where its aggregation takes {}", m.value_size,
                           value_size_of(m)));
  if (m.keyed) {
    if (m.key_size == 0 || m.key_size > kMaxKeyBytes)
      return bad(fmt::format("key_size: {} bytes (1 to {})", m.key_size, kMaxKeyBytes));
    if (m.max_entries == 0 || m.max_entries > kMaxEntries)
      return bad(fmt::format("max_entries: {} (1 to {})", m.max_entries, kMaxEntries));
  } else if (!m.labels.empty()) {
    return bad("labels: on a metric without a key");
  }
  if (m.labels.size() > kMaxLabels)
    return bad(fmt::format("labels: {}, more than {}", m.labels.size(), kMaxLabels));
  std::set<std::string_view> names;
  for (const auto& l : m.labels) {
    if (auto st = check_label(m, l, where); !st) return st;
    if (!names.insert(l.name).second)
      return bad(fmt::format("label {}: name: given to two labels", l.name));
  }
  return {};
}

// e_ident: 64-bit little-endian; e_type and e_machine at 16 and 18.
Status check_elf(const Program& p, std::string_view where) {
  const auto& o = p.object;
  static constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (o.size() < 64 || std::memcmp(o.data(), kMagic, 4) != 0)
    return invalid(where, "object: not an ELF file");
  if (o[4] != 2 || o[5] != 1) return invalid(where, "object: not a 64-bit little-endian ELF file");
  uint16_t type = static_cast<uint16_t>(o[16] | o[17] << 8);
  uint16_t machine = static_cast<uint16_t>(o[18] | o[19] << 8);
  if (machine != kElfMachineBpf)
    return invalid(where,
                   fmt::format("object: ELF machine {}, not BPF ({})", machine, kElfMachineBpf));
  if (type != kElfRel)
    return invalid(where, fmt::format("object: ELF type {}, not a relocatable object", type));
  return {};
}

const ObjectMap* find_map(const ObjectFacts& o, std::string_view name) {
  for (const auto& m : o.maps)
    if (m.name == name) return &m;
  return nullptr;
}

}  // namespace

std::string printable(std::string_view text) {
  constexpr size_t kMaxMessageBytes = 1000;
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= kMaxMessageBytes) return out + "...";
    if (c < 0x20 || c >= 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  return out;
}

std::string program_place(std::string_view bundle_name, size_t index, const Program& program) {
  std::string names;
  for (const auto& n : program.source_names) names += (names.empty() ? "" : ", ") + n;
  if (names.size() > kMaxNameBytes) names = names.substr(0, kMaxNameBytes) + "...";
  return fmt::format("{}: program {}{}", bundle_name, index,
                     names.empty() ? "" : fmt::format(" ({})", names));
}

Status validate_program(const Program& p, std::string_view where) {
  if (auto st = check_elf(p, where); !st) return st;
  if (p.probes.empty()) return invalid(where, "probes: none");
  if (p.probes.size() > kMaxProbes)
    return invalid(where, fmt::format("{} probes", p.probes.size()));
  if (p.metrics.size() > kMaxMetrics)
    return invalid(where, fmt::format("{} metrics", p.metrics.size()));
  for (const auto& probe : p.probes) {
    if (probe.program.empty() || probe.program.size() > kMaxNameBytes)
      return invalid(where, fmt::format("probe {}: program: no valid BPF program name",
                                        probe.display.substr(0, kMaxNameBytes)));
    if (probe.kind == AttachKind::kPerfEvent &&
        (probe.sample_period == 0) == (probe.sample_freq == 0))
      return invalid(where, fmt::format("probe {}: needs one of sample_period and sample_freq",
                                        probe.display.substr(0, kMaxNameBytes)));
  }
  // Probes sharing a program (statements on one hook) are attached once, as the first.
  std::map<std::string_view, const Probe*> first_of;
  for (const auto& b : p.probes) {
    const Probe& a = *first_of.emplace(b.program, &b).first->second;
    if (a.kind != b.kind || a.target != b.target || a.path != b.path || a.provider != b.provider ||
        a.perf_type != b.perf_type || a.perf_config != b.perf_config ||
        a.sample_period != b.sample_period || a.sample_freq != b.sample_freq)
      return invalid(where, fmt::format("probe {}: program '{}' is attached elsewhere by probe {}",
                                        b.display.substr(0, kMaxNameBytes), b.program,
                                        a.display.substr(0, kMaxNameBytes)));
  }
  std::set<std::string_view> names;
  for (const auto& m : p.metrics) {
    if (auto st = check_metric(m, where); !st) return st;
    if (!names.insert(m.name).second)
      return invalid(where, fmt::format("metric {}: name: exported twice", m.name));
  }
  if (!p.cgroup_paths.empty() && p.cgroup_map.empty())
    return invalid(where, "cgroup_map: subtrees to select but no map to hold them");
  return {};
}

Status validate_program(const Program& p, const ObjectFacts& o, std::string_view where) {
  if (auto st = validate_program(p, where); !st) return st;
  for (const auto& probe : p.probes) {
    if (std::find(o.programs.begin(), o.programs.end(), probe.program) == o.programs.end())
      return invalid(where, fmt::format("probe {}: program: the object has no BPF program '{}'",
                                        probe.display, probe.program));
  }
  // The map `name`, of one of `types`, or an error naming `field`.
  auto map_of = [&](std::string_view field, std::string_view name,
                    std::initializer_list<uint32_t> types) -> Result<const ObjectMap*> {
    const ObjectMap* m = find_map(o, name);
    if (!m) return invalid(where, fmt::format("{}: the object has no map '{}'", field, name));
    if (std::find(types.begin(), types.end(), m->type) == types.end())
      return invalid(where, fmt::format("{}: map '{}' is of type {}", field, name, m->type));
    return m;
  };
  for (const auto& m : p.metrics) {
    auto map = map_of(fmt::format("metric {}: map", m.name), m.map,
                      {m.keyed ? kPercpuHash : kPercpuArray});
    if (!map) return map.error();
    const ObjectMap& d = **map;
    auto bad = [&](std::string what) {
      return invalid(where, fmt::format("metric {}: {}", m.name, what));
    };
    const uint32_t key_size = m.keyed ? m.key_size : 4;
    if (d.key_size != key_size)
      return bad(fmt::format("key_size: {} bytes, but map '{}' has {}-byte keys", key_size, m.map,
                             d.key_size));
    if (d.value_size != m.value_size)
      return bad(fmt::format("value_size: {} bytes, but map '{}' has {}-byte values", m.value_size,
                             m.map, d.value_size));
    if (m.keyed && d.max_entries != m.max_entries)
      return bad(fmt::format("max_entries: {}, but map '{}' holds {}", m.max_entries, m.map,
                             d.max_entries));
    for (const auto& l : m.labels) {
      if (l.aux_map.empty()) continue;
      auto stacks = map_of(fmt::format("metric {}: label {}: aux_map", m.name, l.name), l.aux_map,
                           {kStackTrace});
      if (!stacks) return stacks.error();
    }
  }
  if (!p.drops_map.empty()) {
    auto drops = map_of("drops_map", p.drops_map, {kPercpuArray});
    if (!drops) return drops.error();
    for (const auto& m : p.metrics) {
      if (m.drop_index >= (*drops)->max_entries)
        return invalid(where,
                       fmt::format("metric {}: drop_index {}: past the {} slots of '{}'", m.name,
                                   m.drop_index, (*drops)->max_entries, p.drops_map));
    }
  }
  if (!p.overflow_map.empty()) {
    // Each metric's overflow series is the start of its drop slot, in its own layout.
    auto overflow = map_of("overflow_map", p.overflow_map, {kPercpuArray});
    if (!overflow) return overflow.error();
    for (const auto& m : p.metrics) {
      if (m.drop_index >= (*overflow)->max_entries || m.value_size > (*overflow)->value_size)
        return invalid(where, fmt::format("metric {}: its overflow series (slot {}, {} bytes) "
                                          "does not fit map '{}' ({} slots of {} bytes)",
                                          m.name, m.drop_index, m.value_size, p.overflow_map,
                                          (*overflow)->max_entries, (*overflow)->value_size));
    }
  }
  if (!p.spans.empty() && !p.span_stats_map.empty()) {
    auto stats = map_of("span_stats_map", p.span_stats_map, {kPercpuArray});
    if (!stats) return stats.error();
    for (const auto& s : p.spans) {
      if (2 * uint64_t{s.stats_index} + 1 >= (*stats)->max_entries)
        return invalid(where,
                       fmt::format("span {}: stats_index {}: past the {} slots of '{}'", s.name,
                                   s.stats_index, (*stats)->max_entries, p.span_stats_map));
    }
  }
  for (const auto& s : p.spans) {
    auto starts = map_of(fmt::format("span {}: start_map", s.name), s.start_map, {kLruHash});
    if (!starts) return starts.error();
  }
  if (!p.cgroup_map.empty()) {
    auto cgroups = map_of("cgroup_map", p.cgroup_map, {kCgroupArray});
    if (!cgroups) return cgroups.error();
    if (p.cgroup_paths.size() > (*cgroups)->max_entries)
      return invalid(where,
                     fmt::format("cgroup_paths: {}, but map '{}' holds {}", p.cgroup_paths.size(),
                                 p.cgroup_map, (*cgroups)->max_entries));
  }
  return {};
}

}  // namespace sonde::spec

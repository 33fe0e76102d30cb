#include "tests/unit/lower/spec_lines.h"

#include <fmt/format.h>

#include <algorithm>

namespace sonde::lower {
namespace {

const char* attach_name(spec::AttachKind k) {
  switch (k) {
    case spec::AttachKind::kTracepoint:
      return "tracepoint";
    case spec::AttachKind::kRawTracepoint:
      return "raw_tracepoint";
    case spec::AttachKind::kBtfTracepoint:
      return "btf_tracepoint";
    case spec::AttachKind::kUprobe:
      return "uprobe";
    case spec::AttachKind::kUretprobe:
      return "uretprobe";
    case spec::AttachKind::kUsdt:
      return "usdt";
    case spec::AttachKind::kPerfEvent:
      return "perf_event";
    case spec::AttachKind::kKprobe:
      return "kprobe";
    case spec::AttachKind::kKretprobe:
      return "kretprobe";
    case spec::AttachKind::kFentry:
      return "fentry";
    case spec::AttachKind::kFexit:
      return "fexit";
  }
  return "?";
}

const char* decoder_name(spec::Decoder d) {
  switch (d) {
    case spec::Decoder::kUnsigned:
      return "unsigned";
    case spec::Decoder::kSigned:
      return "signed";
    case spec::Decoder::kString:
      return "string";
    case spec::Decoder::kKsym:
      return "ksym";
    case spec::Decoder::kKstack:
      return "kstack";
    case spec::Decoder::kUsym:
      return "usym";
    case spec::Decoder::kUstack:
      return "ustack";
    case spec::Decoder::kSyscall:
      return "syscall";
    case spec::Decoder::kErrno:
      return "errno";
    case spec::Decoder::kInet:
      return "inet";
    case spec::Decoder::kDisk:
      return "disk";
    case spec::Decoder::kBlockOp:
      return "block_op";
    case spec::Decoder::kCgroup:
      return "cgroup";
    case spec::Decoder::kEnum:
      return "enum";
    case spec::Decoder::kBool:
      return "bool";
    case spec::Decoder::kContainer:
      return "container";
    case spec::Decoder::kContainerId:
      return "container_id";
    case spec::Decoder::kImage:
      return "image";
    case spec::Decoder::kPod:
      return "pod";
    case spec::Decoder::kPodUid:
      return "pod_uid";
    case spec::Decoder::kNamespace:
      return "namespace";
    case spec::Decoder::kUnit:
      return "unit";
  }
  return "?";
}

const char* aggregation_name(spec::Aggregation a) {
  switch (a) {
    case spec::Aggregation::kCount:
      return "count";
    case spec::Aggregation::kSum:
      return "sum";
    case spec::Aggregation::kMin:
      return "min";
    case spec::Aggregation::kMax:
      return "max";
    case spec::Aggregation::kAvg:
      return "avg";
    case spec::Aggregation::kGauge:
      return "gauge";
    case spec::Aggregation::kHistogram:
      return "histogram";
  }
  return "?";
}

const char* buckets_name(spec::BucketScheme b) {
  switch (b) {
    case spec::BucketScheme::kNone:
      return "none";
    case spec::BucketScheme::kLog2:
      return "log2";
    case spec::BucketScheme::kLinear:
      return "linear";
    case spec::BucketScheme::kExplicit:
      return "explicit";
  }
  return "?";
}

const char* unit_name(spec::Unit u) {
  switch (u) {
    case spec::Unit::kNone:
      return "none";
    case spec::Unit::kNanoseconds:
      return "ns";
    case spec::Unit::kBytes:
      return "bytes";
  }
  return "?";
}

std::vector<std::string> tokens(const std::string& line) {
  std::vector<std::string> out;
  std::string current;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (c == ' ' && !quoted) {
      if (!current.empty()) out.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

}  // namespace

std::vector<std::string> spec_lines(const spec::Program& program) {
  std::vector<std::string> out;
  for (const auto& p : program.probes) {
    std::string line = fmt::format("probe {} kind={} target={} display={} statement={}", p.program,
                                   attach_name(p.kind), p.target, p.display, p.statement);
    if (!p.path.empty()) line += fmt::format(" path={}", p.path);
    if (!p.provider.empty()) line += fmt::format(" provider={}", p.provider);
    if (p.kind == spec::AttachKind::kPerfEvent) {
      line += fmt::format(" perf_type={} perf_config={} sample_period={} sample_freq={}",
                          p.perf_type, p.perf_config, p.sample_period, p.sample_freq);
    }
    out.push_back(std::move(line));
  }
  for (const auto& m : program.metrics) {
    std::string line = fmt::format(
        "metric {} aggregation={} unit={} buckets={} bounds={} map={} keyed={} key_size={} "
        "value_size={} max_entries={} drop_index={} statement={}",
        m.name, aggregation_name(m.aggregation), unit_name(m.unit), buckets_name(m.buckets),
        m.bounds.size(), m.map, m.keyed ? "yes" : "no", m.key_size, m.value_size, m.max_entries,
        m.drop_index, m.statement);
    if (!m.bounds.empty()) {
      line += fmt::format(" first={} last={}", m.bounds.front(), m.bounds.back());
    }
    if (m.window_ns) line += fmt::format(" window_ns={}", m.window_ns);
    out.push_back(std::move(line));
    for (const auto& l : m.labels) {
      std::string label = fmt::format("label {}.{} offset={} size={} decoder={}", m.name, l.name,
                                      l.offset, l.size, decoder_name(l.decoder));
      if (!l.enum_names.empty()) {
        std::string names;
        for (const auto& e : l.enum_names)
          names += fmt::format("{}{}={}", names.empty() ? "" : ",", e.value, e.name);
        label += fmt::format(" enums={}", names);
      }
      if (!l.aux_map.empty()) label += fmt::format(" aux_map={}", l.aux_map);
      if (l.pid_offset >= 0) label += fmt::format(" pid_offset={}", l.pid_offset);
      if (!l.binary.empty()) label += fmt::format(" binary={}", l.binary);
      out.push_back(std::move(label));
    }
  }
  for (const auto& s : program.spans) {
    out.push_back(fmt::format("span \"{}\" start_map={} max_entries={} stats_index={} statement={}",
                              s.name, s.start_map, s.max_entries, s.stats_index, s.statement));
  }
  for (size_t i = 0; i < program.cgroup_paths.size(); ++i) {
    out.push_back(
        fmt::format("cgroup {} map={} slot={}", program.cgroup_paths[i], program.cgroup_map, i));
  }
  return out;
}

bool has_spec_line(const std::vector<std::string>& actual, const std::string& expected) {
  std::vector<std::string> want = tokens(expected);
  if (want.size() < 2) return false;
  for (const auto& line : actual) {
    std::vector<std::string> have = tokens(line);
    if (have.size() < 2 || have[0] != want[0] || have[1] != want[1]) continue;
    // Probes of several statements may name one shared program: any of them may match.
    if (std::all_of(want.begin() + 2, want.end(), [&](const std::string& t) {
          return std::find(have.begin() + 2, have.end(), t) != have.end();
        }))
      return true;
  }
  return false;
}

}  // namespace sonde::lower

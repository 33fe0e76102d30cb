#include "runtime/spec/program_codec.h"

#include <fmt/format.h>

#include <bit>
#include <concepts>
#include <type_traits>

#include "runtime/spec/aggregations.h"

namespace sonde::spec {
namespace {

// A tripwire: a new field in the spec must be encoded below (and kFormatVersion bumped),
// or bundles would silently lose it.
static_assert(sizeof(Probe) == 240 && sizeof(Label) == 144 && sizeof(EnumName) == 40 &&
                  sizeof(Metric) == 272 && sizeof(Span) == 80 && sizeof(Events) == 136 &&
                  sizeof(SloMatcher) == 72 && sizeof(Slo) == 280 && sizeof(Program) == 384,
              "spec::Program changed: encode the new fields in runtime/spec/program_codec.cpp, "
              "bump spec::kFormatVersion and update docs/bundle-format.md");

// -Wswitch flags an enumerator added to program.h and not here.
bool known(AttachKind k) {
  switch (k) {
    case AttachKind::kTracepoint:
    case AttachKind::kRawTracepoint:
    case AttachKind::kBtfTracepoint:
    case AttachKind::kUprobe:
    case AttachKind::kUretprobe:
    case AttachKind::kUsdt:
    case AttachKind::kPerfEvent:
    case AttachKind::kKprobe:
    case AttachKind::kKretprobe:
    case AttachKind::kFentry:
    case AttachKind::kFexit:
      return true;
  }
  return false;
}

bool known(Decoder d) {
  switch (d) {
    case Decoder::kUnsigned:
    case Decoder::kSigned:
    case Decoder::kString:
    case Decoder::kKsym:
    case Decoder::kKstack:
    case Decoder::kUsym:
    case Decoder::kUstack:
    case Decoder::kSyscall:
    case Decoder::kErrno:
    case Decoder::kInet:
    case Decoder::kDisk:
    case Decoder::kBlockOp:
    case Decoder::kCgroup:
    case Decoder::kEnum:
    case Decoder::kBool:
    case Decoder::kContainer:
    case Decoder::kContainerId:
    case Decoder::kImage:
    case Decoder::kPod:
    case Decoder::kPodUid:
    case Decoder::kNamespace:
    case Decoder::kUnit:
      return true;
  }
  return false;
}

bool known(Aggregation a) { return known_aggregation(a); }

bool known(BucketScheme b) {
  switch (b) {
    case BucketScheme::kNone:
    case BucketScheme::kLog2:
    case BucketScheme::kLinear:
    case BucketScheme::kExplicit:
      return true;
  }
  return false;
}

bool known(Unit u) {
  switch (u) {
    case Unit::kNone:
    case Unit::kNanoseconds:
    case Unit::kBytes:
      return true;
  }
  return false;
}

const char* what(AttachKind) { return "probe kind"; }
const char* what(Decoder) { return "label decoder"; }
const char* what(Aggregation) { return "aggregation"; }
const char* what(BucketScheme) { return "bucket scheme"; }
const char* what(Unit) { return "unit"; }

// Each struct's fields, listed once for both directions, in the order of program.h
// (docs/bundle-format.md). `T` is the struct or the const struct.
template <typename T, typename S>
concept Is = std::same_as<std::remove_const_t<T>, S>;

template <typename V, Is<Probe> T>
void fields(V& v, T& p) {
  v(p.program);
  v(p.kind);
  v(p.target);
  v(p.path);
  v(p.provider);
  v(p.perf_type);
  v(p.perf_config);
  v(p.sample_period);
  v(p.sample_freq);
  v(p.display);
  v(p.origin);
  v(p.statement);
}

template <typename V, Is<EnumName> T>
void fields(V& v, T& e) {
  v(e.value);
  v(e.name);
}

template <typename V, Is<Label> T>
void fields(V& v, T& l) {
  v(l.name);
  v(l.offset);
  v(l.size);
  v(l.decoder);
  v(l.enum_names);
  v(l.aux_map);
  v(l.pid_offset);
  v(l.binary);
}

template <typename V, Is<Metric> T>
void fields(V& v, T& m) {
  v(m.name);
  v(m.help);
  v(m.aggregation);
  v(m.buckets);
  v(m.bounds);
  v(m.unit);
  v(m.value_signed);
  v(m.window_ns);
  v(m.map);
  v(m.keyed);
  v(m.key_size);
  v(m.value_size);
  v(m.max_entries);
  v(m.labels);
  v(m.drop_index);
  v(m.statement);
  v(m.origin);
  v(m.source);
  v(m.ttl_ns);
  v(m.ttl_from_statement);
}

template <typename V, Is<Span> T>
void fields(V& v, T& s) {
  v(s.name);
  v(s.start_map);
  v(s.stats_index);
  v(s.max_entries);
  v(s.statement);
}

template <typename V, Is<Events> T>
void fields(V& v, T& e) {
  v(e.name);
  v(e.fields);
  v(e.record_size);
  v(e.lost_index);
  v(e.statement);
  v(e.origin);
  v(e.source);
}

template <typename V, Is<SloMatcher> T>
void fields(V& v, T& m) {
  v(m.label);
  v(m.equal);
  v(m.regex);
  v(m.value);
}

template <typename V, Is<Slo> T>
void fields(V& v, T& s) {
  v(s.name);
  v(s.id);
  v(s.objective);
  v(s.window_seconds);
  v(s.good_metric);
  v(s.total_metric);
  v(s.bucket);
  v(s.bound);
  v(s.unit);
  v(s.good_matchers);
  v(s.total_matchers);
  v(s.origin);
  v(s.source);
}

// Everything but `object` (its own chunk).
template <typename V, Is<Program> T>
void fields(V& v, T& p) {
  v(p.probes);
  v(p.metrics);
  v(p.spans);
  v(p.events);
  v(p.events_map);
  v(p.slos);
  v(p.drops_map);
  v(p.span_stats_map);
  v(p.overflow_map);
  v(p.cgroup_map);
  v(p.cgroup_paths);
  v(p.source_names);
  v(p.source);
}

struct FieldWriter {
  ByteWriter& out;

  void operator()(const std::string& s) { out.string(s); }
  void operator()(bool b) { out.boolean(b); }
  void operator()(double d) { out.integer(std::bit_cast<uint64_t>(d)); }
  template <std::integral I>
  void operator()(I i) {
    out.integer(i);
  }
  template <typename E>
  requires std::is_enum_v<E>
  void operator()(E e) { out.u8(static_cast<uint8_t>(e)); }
  template <typename T>
  void operator()(const std::vector<T>& items) {
    out.u32(static_cast<uint32_t>(items.size()));
    for (const auto& item : items) (*this)(item);
  }
  template <typename T>
  requires std::is_class_v<T>
  void operator()(const T& item) { fields(*this, item); }
};

struct FieldReader {
  ByteReader& in;
  std::string& problem;

  void operator()(std::string& s) { s = in.string(); }
  void operator()(bool& b) { b = in.boolean(); }
  void operator()(double& d) { d = std::bit_cast<double>(in.integer<uint64_t>()); }
  template <std::integral I>
  void operator()(I& i) {
    i = in.integer<I>();
  }
  // Enumerations are one byte. A value this build does not know means the bundle came
  // from another sonde (or is damaged).
  template <typename E>
  requires std::is_enum_v<E>
  void operator()(E& e) {
    uint8_t raw = in.u8();
    e = static_cast<E>(raw);
    if (!in.short_read() && !known(e) && problem.empty())
      problem = fmt::format("unknown {} {}", what(e), raw);
  }
  // Every element takes at least one byte: a count larger than what is left is damage,
  // caught before anything is allocated for it.
  template <typename T>
  void operator()(std::vector<T>& items) {
    uint32_t n = in.count(1);
    for (uint32_t i = 0; i < n && !in.short_read(); ++i) (*this)(items.emplace_back());
  }
  template <typename T>
  requires std::is_class_v<T>
  void operator()(T& item) { fields(*this, item); }
};

// A histogram's value: its head (count, sum), then one u64 per bound and one above them.
uint64_t histogram_value_size(const Metric& m) { return 16 + 8 * (m.bounds.size() + 1); }

// What the runtime relies on beyond well-formed fields: metrics name their map, labels
// lie inside their key, histogram bounds ascend and fit the value.
std::string check_metric(const Metric& m) {
  if (m.name.empty()) return "a metric has no name";
  if (m.map.empty()) return fmt::format("metric {} names no map", m.name);
  const bool histogram = m.aggregation == Aggregation::kHistogram;
  if (histogram != !m.bounds.empty())
    return fmt::format("metric {}: {}", m.name,
                       histogram ? "a histogram without bucket bounds"
                                 : "bucket bounds on a metric that is not a histogram");
  if (m.bounds.size() > kMaxBucketBounds)
    return fmt::format("metric {}: {} bucket bounds, more than {}", m.name, m.bounds.size(),
                       kMaxBucketBounds);
  for (size_t i = 1; i < m.bounds.size(); ++i) {
    if (m.bounds[i] <= m.bounds[i - 1])
      return fmt::format("metric {}: bucket bounds do not ascend ({} then {})", m.name,
                         m.bounds[i - 1], m.bounds[i]);
  }
  if ((m.aggregation == Aggregation::kMin || m.aggregation == Aggregation::kMax) &&
      m.window_ns == 0)
    return fmt::format("metric {}: a minimum or maximum without a window", m.name);
  if (histogram && m.value_size != histogram_value_size(m))
    return fmt::format("metric {}: a {}-byte value cannot hold {} buckets", m.name, m.value_size,
                       m.bounds.size() + 1);
  for (const auto& l : m.labels) {
    if (static_cast<uint64_t>(l.offset) + l.size > m.key_size) {
      return fmt::format("metric {}: label {} lies outside the {}-byte key", m.name, l.name,
                         m.key_size);
    }
  }
  return {};
}

// Prometheus names: what the rules made from an SLO put in PromQL unquoted.
bool prometheus_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string check_slo(const Slo& s) {
  if (!prometheus_name(s.id)) return fmt::format("an SLO's id '{}' is not a Prometheus name", s.id);
  if (!(s.objective > 0 && s.objective < 1))
    return fmt::format("SLO {}: objective {} is not between 0 and 1", s.id, s.objective);
  if (s.window_seconds == 0) return fmt::format("SLO {}: no window", s.id);
  if (!prometheus_name(s.good_metric) || !prometheus_name(s.total_metric))
    return fmt::format("SLO {}: its metrics are not Prometheus names", s.id);
  for (const auto* matchers : {&s.good_matchers, &s.total_matchers}) {
    for (const auto& m : *matchers) {
      if (!prometheus_name(m.label) || m.label.find(':') != std::string::npos)
        return fmt::format("SLO {}: '{}' is not a label name", s.id, m.label);
    }
  }
  return {};
}

}  // namespace

void encode_program_spec(const Program& program, ByteWriter& out) {
  FieldWriter writer{out};
  fields(writer, program);
}

bool decode_program_spec(ByteReader& in, Program& program, std::string& problem) {
  FieldReader reader{in, problem};
  fields(reader, program);

  if (in.short_read()) {
    problem = "the program specification ends early";
    return false;
  }
  if (in.remaining() != 0) {
    problem = fmt::format("{} unexpected bytes after the program specification", in.remaining());
    return false;
  }
  if (in.bad_value()) {
    problem = "a yes/no field holds neither 0 nor 1";
    return false;
  }
  if (!problem.empty()) return false;
  for (const auto& p : program.probes) {
    if (p.program.empty()) {
      problem = fmt::format("probe {} names no BPF program", p.display);
      return false;
    }
  }
  for (const auto& m : program.metrics) {
    problem = check_metric(m);
    if (!problem.empty()) return false;
  }
  for (const auto& e : program.events) {
    for (const auto& f : e.fields) {
      if (static_cast<uint64_t>(f.offset) + f.size > e.record_size) {
        problem = fmt::format("events {}: field {} lies outside the {}-byte record", e.name, f.name,
                              e.record_size);
        return false;
      }
    }
  }
  for (const auto& slo : program.slos) {
    problem = check_slo(slo);
    if (!problem.empty()) return false;
  }
  return true;
}

}  // namespace sonde::spec

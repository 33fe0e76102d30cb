// The seam between compiler and runtime: plain data describing one compiled sonde
// program. The compiler fills it in; the runtime (sonde run, sonde-agent, the REPL)
// needs nothing else to load, attach, read and export. A bundle is this, serialized.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sonde::spec {

// How a BPF program is attached. `Probe::target` and friends are read per kind.
enum class AttachKind : uint8_t {
  kTracepoint,     // target "category:name"
  kRawTracepoint,  // target "name" (BPF_PROG_TYPE_RAW_TRACEPOINT, no BTF needed at load)
  kBtfTracepoint,  // target "name" (tp_btf: typed args, kernel BTF needed at load)
  kUprobe,         // path + target symbol
  kUretprobe,      // path + target symbol
  kUsdt,           // path + provider + target (probe name)
  kPerfEvent,      // perf_type/perf_config, sample_period or sample_freq, on every CPU
  kKprobe,         // target function
  kKretprobe,      // target function
  kFentry,         // target function
  kFexit,          // target function
};

struct Probe {
  // BPF program (function) name in the object. Statements on one hook share a program
  // (it runs each one's body): their probes name it, and it is attached once.
  std::string program;
  AttachKind kind = AttachKind::kTracepoint;
  std::string target;
  std::string path;      // uprobe/usdt binary
  std::string provider;  // usdt provider
  uint32_t perf_type = 0;
  uint64_t perf_config = 0;
  uint64_t sample_period = 0;  // one of period or frequency (Hz) is set
  uint64_t sample_freq = 0;
  std::string display;  // as the user wrote it, e.g. "tracepoint:timer:timer_start"
  std::string origin;   // source location of the statement, e.g. "<input>:1:4"
  uint32_t statement = 0;
};

// How a label's raw key bytes become a label value in user space.
enum class Decoder : uint8_t {
  kUnsigned,  // little-endian unsigned integer of `size` bytes, decimal
  kSigned,    // signed integer, decimal
  kString,    // NUL-terminated bytes (comm, fixed char arrays, bounded strings)
  kKsym,      // kernel address -> symbol name
  kKstack,    // stack id in `aux_map` -> "sym;sym;..." kernel frames
  kUsym,      // user address -> symbol; pid at `pid_offset` (or `binary`)
  kUstack,    // stack id in `aux_map` -> user frames; pid at `pid_offset`
  kSyscall,   // x86_64 syscall number -> name
  kErrno,     // errno value (either sign) -> "ENOENT"
  kInet,      // IPv4 (4 bytes, or a u32 in network order) or IPv6 (16 bytes) -> text
  kDisk,      // kernel dev_t (major << 20 | minor) -> device name ("vda")
  kBlockOp,   // request op code computed in BPF (see sonde/values.h) -> "read", "write", ...
  kCgroup,    // cgroup id -> path under the cgroup2 mount
  kEnum,      // value -> name from `enum_names`, numeric when unknown
  kBool,      // 0/1 -> "false"/"true"
  // cgroup id -> what its path and the container runtime say (docs/containers.md);
  // "" when the cgroup is no container's (or in no pod, no unit).
  kContainer,    // container name from the runtime, else its 12-digit short id
  kContainerId,  // 64-hex container id
  kImage,        // container image, from the runtime's API
  kPod,          // pod name
  kPodUid,       // pod UID
  kNamespace,    // Kubernetes namespace
  kUnit,         // innermost systemd unit ("nginx.service")
};

struct EnumName {
  int64_t value = 0;
  std::string name;
};

struct Label {
  std::string name;  // Prometheus label name
  uint32_t offset = 0;
  uint32_t size = 0;
  Decoder decoder = Decoder::kUnsigned;
  std::vector<EnumName> enum_names;  // kEnum
  std::string aux_map;               // kKstack/kUstack: the stack trace map
  int32_t pid_offset = -1;           // kUsym/kUstack: where the tgid is in the key
  std::string binary;                // kUsym/kUstack: binary the addresses belong to, if known
};

enum class Aggregation : uint8_t { kCount, kSum, kMin, kMax, kAvg, kGauge, kHistogram };
// How the bounds were chosen (for people: the runtime reads only Metric::bounds).
enum class BucketScheme : uint8_t { kNone, kLog2, kLinear, kExplicit };
// Unit of the raw values in the map; the exporter converts nanoseconds to seconds.
enum class Unit : uint8_t { kNone, kNanoseconds, kBytes };

// One exported metric family, backed by one BPF map. Per-CPU value layouts are fixed
// per aggregation by stdlib/bpf/sonde/values.h.
struct Metric {
  std::string name;  // final Prometheus name, suffix included ("..._total", "..._seconds")
  std::string help;
  Aggregation aggregation = Aggregation::kCount;
  BucketScheme buckets = BucketScheme::kNone;
  // Histograms: the finite upper bounds (`le`, raw units, strictly increasing, at most
  // kMaxBucketBounds). The value holds bounds.size() + 1 slots: the last counts values
  // above every bound (stdlib/bpf/sonde/buckets.h).
  std::vector<int64_t> bounds;
  Unit unit = Unit::kNone;
  // The aggregated value's type is signed: a sum can go down (exported as a gauge).
  bool value_signed = false;
  // min/max: the length of a window in ns (the kernel keeps the current and the last).
  uint64_t window_ns = 0;
  std::string map;    // map name in the object
  bool keyed = true;  // false: a one-slot per-CPU array (key is u32 0)
  uint32_t key_size = 0;
  uint32_t value_size = 0;  // per CPU
  uint32_t max_entries = 0;
  std::vector<Label> labels;
  uint32_t drop_index = 0;  // slot in the drops and overflow maps (updates to a full map)
  uint32_t statement = 0;
  std::string origin;  // "<input>:3:1"
  std::string source;  // the statement's text
  // Keyed metrics: a series (label set) whose keys did not change for this long is
  // removed from the map (docs/churn.md); 0: kept for ever. `ttl_from_statement`: a
  // `ttl` clause set it, so --series-ttl leaves it alone.
  uint64_t ttl_ns = 0;
  bool ttl_from_statement = false;
};

// A span's start map: bounded (LRU), so ends that never come cannot leak memory.
struct Span {
  std::string name;          // "block rq"
  std::string start_map;     // LRU hash of starts in flight
  uint32_t stats_index = 0;  // slot pair in the span stats map (inserts, completed)
  uint32_t max_entries = 0;
  uint32_t statement = 0;
};

// A `print` statement: one record per event through the program's ring buffer
// (Program::events_map). A record is a u64 statement index, then the fields laid out as
// a metric's key; field offsets count from the record's start. Records the program
// could not send (the buffer was full) are counted in slot `lost_index` of the drops map.
struct Events {
  std::string name;  // "sonde_print3": what the statement is called in messages and metrics
  std::vector<Label> fields;
  uint32_t record_size = 0;
  uint32_t lost_index = 0;
  uint32_t statement = 0;
  std::string origin;  // "<input>:3:1"
  std::string source;  // the statement's text
};

// A label matcher of an SLO's series selector: `op="read"` or `op!="read"`; with
// `regex`, `status=~"..."` or `status!~"..."` (a number compared with < <= > >=, as the
// decimal texts a regular expression matches).
struct SloMatcher {
  std::string label;
  bool equal = true;
  bool regex = false;
  std::string value;
};

// A service level objective over metrics of the program: the share of good events
// among all events, as two counters Prometheus rates (`sonde rules`, `sonde dashboard`).
struct Slo {
  std::string name;      // as written: "block reads under 10ms"
  std::string id;        // the `slo` label of the generated rules: "block_reads_under_10ms"
  double objective = 0;  // a fraction: 0.995
  uint64_t window_seconds = 0;
  // Series of good and of all events: for a histogram's bucket, `NAME_bucket` with
  // `le` = the bound and `NAME_count`; for counters, the counters' names.
  std::string good_metric;
  std::string total_metric;
  bool bucket = false;  // good events are a histogram's bucket:
  int64_t bound = 0;    // its bound, raw (10ms is 10000000 ns)
  Unit unit = Unit::kNone;
  std::vector<SloMatcher> good_matchers;  // `le` not included
  std::vector<SloMatcher> total_matchers;
  std::string origin;  // "<input>:3:1"
  std::string source;  // the statement's text
};

inline constexpr uint32_t kMaxBucketBounds = 1024;

// 2: histogram bounds as a list, signed sums, windowed min/max.
// 3: cgroup subtrees (in_cgroup) and the container decoders.
// 4: series TTLs, the overflow map.
// 5: the SIGN chunk (Ed25519 signature of the chunks before it).
// 6: events (`print`), which sonde-agent refuses.
// 7: the program's SLOs.
// 8: SLO label matchers by regular expression (numeric comparisons).
// 9: probes of statements on one hook name one shared program, attached once (an older
//    agent would attach it per probe and count each event that many times).
inline constexpr uint32_t kFormatVersion = 9;

struct Program {
  std::vector<Probe> probes;
  std::vector<Metric> metrics;
  std::vector<Span> spans;
  std::vector<Events> events;
  std::string events_map;  // BPF_MAP_TYPE_RINGBUF of every Events' records ("": none)
  std::vector<Slo> slos;
  std::string drops_map;       // per-CPU array of u64, one slot per metric (Metric::drop_index)
  std::string span_stats_map;  // per-CPU array of u64, two slots per span
  // Per-CPU array, one slot per metric (Metric::drop_index), as large as the largest
  // value: where updates go when a keyed metric's map is full (its overflow series).
  std::string overflow_map;
  // Subtrees the program's predicates select (in_cgroup("/kubepods")): at load, the
  // runtime puts an fd of cgroup_paths[i] (relative to the cgroup2 mount) in slot i of
  // cgroup_map, a BPF_MAP_TYPE_CGROUP_ARRAY. Empty when no predicate needs one.
  std::string cgroup_map;
  std::vector<std::string> cgroup_paths;
  std::vector<std::string> source_names;  // files the program came from
  std::string source;                     // the program text, for humans and `sonde show`
  std::vector<uint8_t> object;            // BPF ELF (CO-RE)
};

}  // namespace sonde::spec

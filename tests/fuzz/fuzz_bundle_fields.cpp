// libFuzzer target, structure-aware: where fuzz_bundle mutates bytes (and mostly meets
// the container's checks), this one decodes the input bundle, changes one field of its
// specification to a value at or past a limit, and encodes it again with a right
// checksum (LLVMFuzzerCustomMutator), so inputs reach what comes after decoding: the
// validation sonde-agent runs (bpf::validate_program: the fields, then the object as
// libbpf reads it) and, for what passes, the collector's arithmetic on map values
// (metrics::Accumulator, where issue 18's SIGFPE was). What validation passes must
// never crash what follows it.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "runtime/bpf/validate_object.h"
#include "runtime/metrics/accumulator.h"
#include "runtime/spec/bundle.h"

namespace {

using namespace sonde;

void put_le(std::vector<uint8_t>& bytes, size_t offset, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) bytes[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

// The input with its size and checksum fields set right, decoded.
Result<spec::Bundle> decode_fixed(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);
  if (bytes.size() >= 32) {
    put_le(bytes, 16, bytes.size(), 8);
    put_le(bytes, 12, spec::crc32(std::span<const uint8_t>(bytes).subspan(16)), 4);
  }
  return spec::decode_bundle(bytes);
}

// Values at the limits of what the fields hold and of what validation allows.
uint64_t interesting(std::mt19937_64& rng) {
  static constexpr uint64_t kValues[] = {0,        1,          2,          3,
                                         4,        7,          8,          15,
                                         16,       24,         64,         127,
                                         128,      1024,       1025,       4096,
                                         4097,     65535,      1u << 24,   (1u << 24) + 1,
                                         1u << 31, 0xffffffff, 0x7fffffff, ~uint64_t{0}};
  if (rng() % 4 == 0) return rng();
  return kValues[rng() % std::size(kValues)];
}

template <typename T>
T& pick(std::vector<T>& items, std::mt19937_64& rng) {
  return items[rng() % items.size()];
}

// One change to one field of `b`; false when the bundle has nothing of the kind picked.
[[maybe_unused]] bool mutate(spec::Bundle& b, std::mt19937_64& rng) {  // libFuzzer builds only
  if (b.programs.empty()) return false;
  spec::Program& p = pick(b.programs, rng);
  auto u32 = [&] { return static_cast<uint32_t>(interesting(rng)); };
  auto name = [&](std::string& s) {
    static const char* kNames[] = {"",  "le",       "__name__", "quantile", "x_total",
                                   "x", "x_bucket", "a b",      "sonde_m0", "sonde_drops"};
    if (rng() % 3 == 0)
      s += std::string(1 + rng() % 8, static_cast<char>(rng()));
    else
      s = kNames[rng() % std::size(kNames)];
  };
  switch (rng() % 6) {
    case 0: {  // a probe
      if (p.probes.empty()) return false;
      auto& probe = pick(p.probes, rng);
      switch (rng() % 4) {
        case 0:
          name(probe.program);
          break;
        case 1:
          probe.kind = static_cast<spec::AttachKind>(rng() % 11);
          break;
        case 2:
          probe.sample_period = interesting(rng);
          break;
        default:
          probe.sample_freq = interesting(rng);
          break;
      }
      return true;
    }
    case 1:
    case 2: {  // a metric
      if (p.metrics.empty()) return false;
      auto& m = pick(p.metrics, rng);
      switch (rng() % 14) {
        case 0:
          name(m.name);
          break;
        case 1:
          m.aggregation = static_cast<spec::Aggregation>(rng() % 7);
          break;
        case 2:
          m.buckets = static_cast<spec::BucketScheme>(rng() % 4);
          break;
        case 3:
          if (m.bounds.empty() || rng() % 2) {
            m.bounds.clear();
          } else {
            m.bounds.push_back(static_cast<int64_t>(interesting(rng)));
          }
          break;
        case 4:
          m.value_signed = !m.value_signed;
          break;
        case 5:
          m.window_ns = interesting(rng);
          break;
        case 6:
          name(m.map);
          break;
        case 7:
          m.keyed = !m.keyed;
          break;
        case 8:
          m.key_size = u32();
          break;
        case 9:
          m.value_size = u32();
          break;
        case 10:
          m.max_entries = u32();
          break;
        case 11:
          m.drop_index = u32();
          break;
        case 12:  // a bound count and a value size that agree with each other
          m.bounds.resize(interesting(rng) % 2048);
          for (size_t i = 0; i < m.bounds.size(); ++i) m.bounds[i] = static_cast<int64_t>(i);
          m.value_size = static_cast<uint32_t>(16 + 8 * (m.bounds.size() + 1));
          break;
        default:
          if (!m.labels.empty() && rng() % 2) {
            m.labels.push_back(m.labels.front());
          } else {
            m.labels.push_back({.name = "l", .offset = u32(), .size = u32()});
          }
          break;
      }
      return true;
    }
    case 3: {  // a label
      if (p.metrics.empty()) return false;
      auto& m = pick(p.metrics, rng);
      if (m.labels.empty()) return false;
      auto& l = pick(m.labels, rng);
      switch (rng() % 6) {
        case 0:
          name(l.name);
          break;
        case 1:
          l.offset = u32();
          break;
        case 2:
          l.size = u32();
          break;
        case 3:
          l.decoder = static_cast<spec::Decoder>(rng() % 22);
          break;
        case 4:
          l.pid_offset = static_cast<int32_t>(u32());
          break;
        default:
          name(l.aux_map);
          break;
      }
      return true;
    }
    case 4: {  // a span
      if (p.spans.empty()) return false;
      auto& s = pick(p.spans, rng);
      if (rng() % 2)
        s.stats_index = u32();
      else
        name(s.start_map);
      return true;
    }
    default:  // the program's own maps
      switch (rng() % 4) {
        case 0:
          name(p.drops_map);
          break;
        case 1:
          name(p.span_stats_map);
          break;
        case 2:
          name(p.cgroup_map);
          break;
        default:
          p.cgroup_paths.resize(interesting(rng) % 64, "/x");
          break;
      }
      return true;
  }
}

// The collector's arithmetic for a metric that passed validation: one value of its
// size per CPU (bytes from `seed`), added and turned into a series.
void collect(const spec::Metric& m, uint64_t seed) {
  std::vector<uint8_t> value(m.value_size);
  std::mt19937_64 rng(seed);
  for (auto& byte : value) byte = static_cast<uint8_t>(rng());
  metrics::Accumulator a;
  for (int cpu = 0; cpu < 2; ++cpu) a.add(m, value, metrics::current_epoch(m));
  metrics::Series series;
  (void)a.to_series(m, series);
}

}  // namespace

#ifdef SONDE_LIBFUZZER
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned int seed) {
  std::mt19937_64 rng(seed);
  auto bundle = decode_fixed(data, size);
  // Now and then the bytes themselves, so the container keeps being fuzzed too.
  if (!bundle || rng() % 8 == 0) return LLVMFuzzerMutate(data, size, max_size);
  for (int tries = 0, changes = 1 + static_cast<int>(rng() % 3); tries < 16 && changes > 0; ++tries)
    changes -= mutate(*bundle, rng);
  std::vector<uint8_t> bytes = spec::encode_bundle(*bundle);
  if (bytes.size() > max_size) return LLVMFuzzerMutate(data, size, max_size);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bundle = decode_fixed(data, size);
  if (!bundle) return 0;
  for (size_t i = 0; i < bundle->programs.size(); ++i) {
    const auto& program = bundle->programs[i];
    if (!bpf::validate_program(program, "fuzz")) continue;
    for (const auto& m : program.metrics) collect(m, size + i);
  }
  return 0;
}

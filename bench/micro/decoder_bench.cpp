// Decoding cost per map key, uncached (first scrape) and cached (every later one), for
// kernel addresses (ksym) and plain u32 keys (pids), and the kallsyms load it rests on.
// Prints figures; the property that a second scrape is all cache hits is a unit test
// (DecoderCache.ASecondScrapeOfTheSameKeysIsAllHits).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/decode/decoder.h"
#include "runtime/decode/kernel_symbols.h"
#include "tests/unit/decode/test_util.h"

namespace {

using Clock = std::chrono::steady_clock;
using sonde::decode::Decoders;
using sonde::decode::test::kallsyms_address;
using sonde::decode::test::le_bytes;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

int main() {
  auto load_start = Clock::now();
  auto table = sonde::decode::KernelSymbols::load();
  if (!table.ok()) {
    std::fprintf(stderr, "decoder_bench: %s\n", table.error().message.c_str());
    return 1;
  }
  std::printf("decode: kallsyms load %.1f ms for %zu symbols\n", ms_since(load_start),
              table->size());

  const uint64_t schedule = kallsyms_address("schedule");
  if (schedule == 0) {
    std::fprintf(stderr, "decoder_bench: no 'schedule' in /proc/kallsyms (run as root)\n");
    return 1;
  }
  constexpr size_t kKeys = 100000;
  const auto [addrs, pids] = sonde::decode::test::scrape_keys(schedule, kKeys);
  Decoders decoders;
  auto per_key_ns = [&](const sonde::spec::Label& l, const std::vector<uint8_t>& keys) {
    std::span<const uint8_t> all(keys);
    auto start = Clock::now();
    size_t total = 0;
    for (size_t i = 0; i < kKeys; ++i)
      total += decoders.decode(l, all.subspan(i * l.size, l.size)).size();
    double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / kKeys;
    return total ? ns : -1.0;
  };
  sonde::spec::Label ksym{.name = "x", .size = 8, .decoder = sonde::spec::Decoder::kKsym};
  sonde::spec::Label pid{.name = "x", .size = 4, .decoder = sonde::spec::Decoder::kUnsigned};
  decoders.decode(ksym, le_bytes(schedule, 8));  // the kallsyms load, outside the timing
  const double ksym_cold = per_key_ns(ksym, addrs);
  const double ksym_warm = per_key_ns(ksym, addrs);
  const double pid_cold = per_key_ns(pid, pids);
  const double pid_warm = per_key_ns(pid, pids);
  std::printf("decode: ksym per key %.0f ns uncached, %.0f ns cached (%zu keys)\n", ksym_cold,
              ksym_warm, kKeys);
  std::printf("decode: u32 per key %.0f ns uncached, %.0f ns cached (%zu keys)\n", pid_cold,
              pid_warm, kKeys);
  return 0;
}

// Timings for the report, not a test: open+load+attach of a small tracepoint program
// with and without CO-RE and a relocation blob, and batch reads of a large per-CPU hash.
//   build/bench/sonde_bpf_load_bench [runs]
#include <bpf/bpf.h>

#include <sys/resource.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>

#include "runtime/bpf/attach.h"
#include "tests/unit/bpf/test_util.h"

namespace sonde::bpf {
namespace {

using Clock = std::chrono::steady_clock;

struct Loaded {
  Object object;
  Links links;
};

// Kept alive until the timing is over: detaching waits for RCU grace periods, which is
// the cost of stopping, not of starting.
std::vector<Loaded> keep;

double cpu_ms() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

// Median wall time; the median CPU time of this process goes to `cpu` (the machine is
// shared, so wall time includes waiting for a core).
double median_ms(int runs, const std::function<bool()>& once, double* cpu = nullptr) {
  std::vector<double> wall, used;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    double cpu_start = cpu_ms();
    if (!once()) return -1;
    used.push_back(cpu_ms() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(used.begin(), used.end());
  if (cpu) *cpu = used[used.size() / 2];
  return wall[wall.size() / 2];
}

void report(const char* what, int runs, const std::function<bool()>& once) {
  double cpu = 0;
  double wall = median_ms(runs, once, &cpu);
  keep.clear();
  std::printf("  %-34s wall %7.2f ms   cpu %7.2f ms\n", what, wall, cpu);
}

bool open_load_attach(const std::vector<uint8_t>& elf, const std::string& name,
                      std::span<const uint8_t> btf, const spec::Probe& probe,
                      std::vector<std::string> disabled = {}) {
  Result<Object> object = Object::open(elf, name, btf);
  if (!object.ok()) return std::fprintf(stderr, "%s\n", object.error().message.c_str()), false;
  Status loaded = object->load({.disabled_programs = std::move(disabled)});
  if (!loaded.ok()) return std::fprintf(stderr, "%s\n", loaded.error().message.c_str()), false;
  Result<Links> links = attach(*object, probe);
  if (!links.ok()) return std::fprintf(stderr, "%s\n", links.error().message.c_str()), false;
  keep.push_back({std::move(*object), std::move(*links)});
  return true;
}

void bench_load(int runs) {
  spec::Probe getpid_tp =
      testing::probe("", spec::AttachKind::kTracepoint, "syscalls:sys_enter_getpid", "tp");
  testing::Field tgid = testing::kernel_field("task_struct", "tgid");
  std::vector<uint8_t> blob = testing::relocation_blob("task_struct", "tgid", tgid);
  std::vector<uint8_t> plain = testing::read_object("plain");
  std::vector<uint8_t> core = testing::read_object("core");
  std::vector<uint8_t> counter = testing::read_object("counter");

  spec::Probe p = getpid_tp;
  p.program = "count_getpid";
  const spec::Probe plain_probe = p;
  report("first object of the process", 1, [&] { return open_load_attach(plain, "plain", {}, p); });
  std::printf("open+load+attach, median of %d runs\n", runs);
  report("no CO-RE", runs, [&] { return open_load_attach(plain, "plain", {}, p); });
  report("no CO-RE, relocation blob", runs,
         [&] { return open_load_attach(plain, "plain", blob, p); });
  p.program = "read_tgid";
  report("CO-RE, kernel BTF", runs, [&] { return open_load_attach(core, "core", {}, p); });
  report("CO-RE, relocation blob", runs, [&] { return open_load_attach(core, "core", blob, p); });
  spec::Probe btf =
      testing::probe("on_btf_tracepoint", spec::AttachKind::kBtfTracepoint, "sys_enter", "tp_btf");
  std::vector<std::string> others = {"on_tracepoint", "on_raw_tracepoint", "on_uprobe",
                                     "on_uretprobe",  "on_usdt",           "on_perf_event"};
  report("tp_btf (vmlinux BTF parsed anyway)", runs,
         [&] { return open_load_attach(counter, "counter", blob, btf, others); });
  std::printf("  (relocation blob: %zu bytes)\n", blob.size());

  // Detaching a tracepoint waits for RCU grace periods: cheap in CPU, slow in wall time.
  std::vector<double> wall, used;
  for (int i = 0; i < runs; ++i) {
    if (!open_load_attach(plain, "plain", {}, plain_probe)) return;
    auto start = Clock::now();
    double cpu_start = cpu_ms();
    keep.clear();
    used.push_back(cpu_ms() - cpu_start);
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(used.begin(), used.end());
  std::printf("  %-34s wall %7.2f ms   cpu %7.2f ms\n", "detach + close (no CO-RE)",
              wall[wall.size() / 2], used[used.size() / 2]);
}

void bench_read(int runs) {
  Result<Object> object = Object::open(testing::read_object("maps"), "maps");
  if (!object.ok() || !object->load().ok()) return;
  Result<Map> map = object->map("per_cpu_hash");
  constexpr uint32_t kKeys = 100000;
  std::vector<uint64_t> values(map->cpus(), 1);
  std::span<const uint8_t> value_bytes(reinterpret_cast<const uint8_t*>(values.data()),
                                       values.size() * sizeof(uint64_t));
  for (uint32_t i = 0; i < kKeys; ++i) {
    uint32_t key[2] = {i, i};
    if (!map->update({reinterpret_cast<const uint8_t*>(key), sizeof(key)}, value_bytes).ok()) {
      std::fprintf(stderr, "fill failed at %u\n", i);
      return;
    }
  }
  MapEntries entries;
  auto start = Clock::now();
  Status first = map->read_all(entries);
  double cold = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!first.ok() || entries.count != kKeys) {
    std::fprintf(stderr, "read %zu keys: %s\n", entries.count,
                 first.ok() ? "" : first.error().message.c_str());
    return;
  }
  double warm_cpu = 0;
  rusage before, after;
  getrusage(RUSAGE_SELF, &before);
  double warm = median_ms(
      runs, [&] { return map->read_all(entries).ok() && entries.count == kKeys; }, &warm_cpu);
  getrusage(RUSAGE_SELF, &after);
  auto ms = [](const timeval& a, const timeval& b) {
    return ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_usec - a.tv_usec)) / 1e3;
  };
  std::printf("  batch reads: user %.2f ms, system %.2f ms per read\n",
              ms(before.ru_utime, after.ru_utime) / runs,
              ms(before.ru_stime, after.ru_stime) / runs);
  double sum = median_ms(runs, [&] {
    uint64_t total = 0;
    for (size_t i = 0; i < entries.count; ++i) total += entries.sum_u64(i);
    return total == uint64_t{kKeys} * map->cpus();
  });
  // What the fallback path costs: one get_next_key and one lookup per key.
  double by_key = median_ms(std::min(runs, 5), [&] {
    uint32_t key[2], next[2];
    std::vector<uint8_t> out(map->value_bytes());
    size_t n = 0;
    int err = bpf_map_get_next_key(map->fd(), nullptr, next);
    while (err == 0) {
      bpf_map_lookup_elem(map->fd(), next, out.data());
      ++n;
      std::copy(next, next + 2, key);
      err = bpf_map_get_next_key(map->fd(), key, next);
    }
    return n == kKeys;
  });
  std::printf(
      "read %u-key per-CPU hash (%u CPUs): batch first %.2f ms, batch warm %.2f ms "
      "(cpu %.2f ms, median of %d), summing %.2f ms, key-by-key %.2f ms\n",
      kKeys, map->cpus(), cold, warm, warm_cpu, runs, sum, by_key);
}

}  // namespace
}  // namespace sonde::bpf

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 20;
  sonde::bpf::bench_load(runs);
  sonde::bpf::bench_read(runs);
}

// Hand-written reference programs for the per-event overhead benchmark: what an
// engineer writing libbpf C by hand would load for each workload, on each hook the
// kernel offers. bench/run.py loads a few of them at a time with bench/libbpf/loader.c
// (the others are set not to autoload) and times a pinned getpid loop.
//
// Program names: <hook>_<body>.
//   hooks:  tp     classic tracepoint (syscalls:sys_enter_getpid, raw_syscalls:sys_enter)
//           rawtp  raw tracepoint on sys_enter, syscall id filter in the program
//           btf    BTF tracepoint (tp_btf) on sys_enter, syscall id filter in the program
//   bodies: empty, count (per-CPU array), pid (per-CPU hash keyed by pid),
//           comm (per-CPU hash keyed by comm, every syscall), hist (enter/exit latency,
//           log2 histogram).
#include <linux/types.h>
#include <linux/bpf.h>
#include <asm/unistd_64.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_KEYS 10240
#define BUCKETS 64

struct hist {
  __u64 count;
  __u64 sum;
  __u64 buckets[BUCKETS];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u64);
} counter SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, MAX_KEYS);
  __type(key, __u32);
  __type(value, __u64);
} by_pid SEC(".maps");

struct comm_key {
  char comm[16];
};

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
  __uint(max_entries, MAX_KEYS);
  __type(key, struct comm_key);
  __type(value, __u64);
} by_comm SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, MAX_KEYS);
  __type(key, __u32);
  __type(value, __u64);
} starts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, MAX_KEYS);
  __type(key, __u32);
  __type(value, __u64);
} lru_starts SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct hist);
} latency SEC(".maps");

// The x86_64 registers saved at syscall entry; only orig_ax (the syscall number) is
// read, relocated by libbpf against the kernel's BTF.
struct pt_regs {
  unsigned long orig_ax;
} __attribute__((preserve_access_index));

// Classic tracepoint contexts (tracefs format files).
struct sys_enter_raw_ctx {
  __u64 common;
  long id;
  unsigned long args[6];
};

static __always_inline void count_one(void) {
  __u32 zero = 0;
  __u64* v = bpf_map_lookup_elem(&counter, &zero);
  if (v) *v += 1;
}

static __always_inline void count_key(void* map, const void* key) {
  __u64* v = bpf_map_lookup_elem(map, key);
  if (v) {
    *v += 1;
    return;
  }
  __u64 one = 1;
  bpf_map_update_elem(map, key, &one, BPF_NOEXIST);
}

static __always_inline void count_pid(void) {
  __u32 pid = bpf_get_current_pid_tgid() >> 32;
  count_key(&by_pid, &pid);
}

static __always_inline void count_comm(void) {
  struct comm_key key = {};
  bpf_get_current_comm(key.comm, sizeof key.comm);
  count_key(&by_comm, &key);
}

static __always_inline void start(void* map) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u64 now = bpf_ktime_get_ns();
  bpf_map_update_elem(map, &tid, &now, BPF_ANY);
}

static __always_inline unsigned log2_up(__u64 v) {
  // Bucket b holds (2^(b-1), 2^b]: the first bucket whose bound is >= v.
  unsigned b = 0;
  __u64 p = 1;
  for (int i = 0; i < BUCKETS - 1 && p < v; i++) {
    p <<= 1;
    b++;
  }
  return b;
}

static __always_inline void finish(void* map) {
  __u32 tid = (__u32)bpf_get_current_pid_tgid();
  __u64* ts = bpf_map_lookup_elem(map, &tid);
  if (!ts) return;
  __u64 delta = bpf_ktime_get_ns() - *ts;
  bpf_map_delete_elem(map, &tid);
  __u32 zero = 0;
  struct hist* h = bpf_map_lookup_elem(&latency, &zero);
  if (!h) return;
  h->count++;
  h->sum += delta;
  unsigned b = log2_up(delta);
  if (b < BUCKETS) h->buckets[b]++;
}

// --- classic tracepoints ----------------------------------------------------------
SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_empty(void* ctx) { return 0; }

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_count(void* ctx) {
  count_one();
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_pid(void* ctx) {
  count_pid();
  return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int tp_comm(void* ctx) {
  count_comm();
  return 0;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int tp_rawsys_count(struct sys_enter_raw_ctx* ctx) {
  if (ctx->id != __NR_getpid) return 0;
  count_one();
  return 0;
}

SEC("tracepoint/syscalls/sys_enter_getpid")
int tp_hist_enter(void* ctx) {
  start(&starts);
  return 0;
}

SEC("tracepoint/syscalls/sys_exit_getpid")
int tp_hist_exit(void* ctx) {
  finish(&starts);
  return 0;
}

// --- raw tracepoints: args[0] = regs, args[1] = syscall id ---------------------------
SEC("raw_tracepoint/sys_enter")
int rawtp_empty(struct bpf_raw_tracepoint_args* ctx) { return 0; }

SEC("raw_tracepoint/sys_enter")
int rawtp_count(struct bpf_raw_tracepoint_args* ctx) {
  if (ctx->args[1] != __NR_getpid) return 0;
  count_one();
  return 0;
}

// --- one hook, N statements (bench/run.py --only shared): N counters of getpid in one
// raw_tp program, the id tested once; what sonde's shared program is measured against.
#define SHARED_COUNTER(i)                 \
  struct {                                \
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
    __uint(max_entries, 1);               \
    __type(key, __u32);                   \
    __type(value, __u64);                 \
  } shared_c##i SEC(".maps");
SHARED_COUNTER(0)
SHARED_COUNTER(1)
SHARED_COUNTER(2)
SHARED_COUNTER(3)
SHARED_COUNTER(4)
SHARED_COUNTER(5)

static __always_inline void bump(void* map) {
  __u32 zero = 0;
  __u64* v = bpf_map_lookup_elem(map, &zero);
  if (v) *v += 1;
}

SEC("raw_tracepoint/sys_enter")
int rawtp_shared1(struct bpf_raw_tracepoint_args* ctx) {
  if (ctx->args[1] != __NR_getpid) return 0;
  bump(&shared_c0);
  return 0;
}

SEC("raw_tracepoint/sys_enter")
int rawtp_shared3(struct bpf_raw_tracepoint_args* ctx) {
  if (ctx->args[1] != __NR_getpid) return 0;
  bump(&shared_c0);
  bump(&shared_c1);
  bump(&shared_c2);
  return 0;
}

SEC("raw_tracepoint/sys_enter")
int rawtp_shared6(struct bpf_raw_tracepoint_args* ctx) {
  if (ctx->args[1] != __NR_getpid) return 0;
  bump(&shared_c0);
  bump(&shared_c1);
  bump(&shared_c2);
  bump(&shared_c3);
  bump(&shared_c4);
  bump(&shared_c5);
  return 0;
}

SEC("raw_tracepoint/sys_enter")
int rawtp_pid(struct bpf_raw_tracepoint_args* ctx) {
  if (ctx->args[1] != __NR_getpid) return 0;
  count_pid();
  return 0;
}

SEC("raw_tracepoint/sys_enter")
int rawtp_comm(struct bpf_raw_tracepoint_args* ctx) {
  count_comm();
  return 0;
}

// --- BTF tracepoints: ctx[0] = regs, ctx[1] = syscall id (enter) or return (exit) ----
SEC("tp_btf/sys_enter")
int btf_empty(__u64* ctx) { return 0; }

SEC("tp_btf/sys_enter")
int btf_count(__u64* ctx) {
  if (ctx[1] != __NR_getpid) return 0;
  count_one();
  return 0;
}

SEC("tp_btf/sys_enter")
int btf_pid(__u64* ctx) {
  if (ctx[1] != __NR_getpid) return 0;
  count_pid();
  return 0;
}

SEC("tp_btf/sys_enter")
int btf_comm(__u64* ctx) {
  count_comm();
  return 0;
}

SEC("tp_btf/sys_enter")
int btf_hist_enter(__u64* ctx) {
  if (ctx[1] != __NR_getpid) return 0;
  start(&starts);
  return 0;
}

SEC("tp_btf/sys_exit")
int btf_hist_exit(__u64* ctx) {
  struct pt_regs* regs = (struct pt_regs*)ctx[0];
  if (regs->orig_ax != __NR_getpid) return 0;
  finish(&starts);
  return 0;
}

SEC("tp_btf/sys_enter")
int btf_lru_enter(__u64* ctx) {
  if (ctx[1] != __NR_getpid) return 0;
  start(&lru_starts);
  return 0;
}

SEC("tp_btf/sys_exit")
int btf_lru_exit(__u64* ctx) {
  struct pt_regs* regs = (struct pt_regs*)ctx[0];
  if (regs->orig_ax != __NR_getpid) return 0;
  finish(&lru_starts);
  return 0;
}

// Hooks this kernel refuses: kprobes (CONFIG_KPROBES off), fentry/fexit (blocked), and a
// BTF tracepoint that does not exist.
// Order matters: the libbpf headers need the kernel types first.
// clang-format off
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
// clang-format on

SEC("kprobe/do_nanosleep")
int on_kprobe(void* ctx) { return 0; }

SEC("kretprobe/do_nanosleep")
int on_kretprobe(void* ctx) { return 0; }

SEC("fentry/do_nanosleep")
int on_fentry(__u64* ctx) { return 0; }

SEC("fexit/do_nanosleep")
int on_fexit(__u64* ctx) { return 0; }

SEC("tp_btf/sonde_no_such_tracepoint")
int on_missing_btf_tracepoint(__u64* ctx) { return 0; }

SEC("perf_event")
int on_hardware(void* ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";

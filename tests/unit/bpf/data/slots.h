// Slots of counter.bpf.c's `counts` array, shared with the tests.
#pragma once

#define GETPID_NR 39  // x86_64

enum {
  SLOT_TRACEPOINT,
  SLOT_RAW_TRACEPOINT,
  SLOT_BTF_TRACEPOINT,
  SLOT_UPROBE,
  SLOT_URETPROBE,
  SLOT_USDT,
  SLOT_USDT_ARG_SUM,
  SLOT_PERF_EVENT,
  SLOT_COUNT,
};

// The decoders a program can call: functions whose value is computed in user space, from
// the raw key, when the label is read (ksym(addr) -> "tick_sched_timer"). One row each;
// the checker, label naming, REPL completion, hints and `sonde list` read this table.
// A new decoder is a row here, a spec::Decoder and its runtime/decode implementation.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "runtime/spec/program.h"

namespace sonde::sema {

// How a label is named when the program gives it no name.
enum class LabelNaming : uint8_t {
  kArgument,  // after what it shows: ksym(func) -> "func"
  kCall,      // after the call: syscall(id) -> "syscall"
};

// What a decoder accepts.
enum class DecoderInput : uint8_t {
  kNumber,    // a number or an address
  kAddress,   // an IP address: a 4- or 8-byte integer, a 4- or 16-byte array, or a
              // 28-byte sockaddr_in/sockaddr_in6 (tcp:tcp_probe's saddr, daddr)
  kCgroupId,  // a cgroup id (the `cgroup` builtin)
};

struct DecoderInfo {
  const char* name;
  spec::Decoder decoder;
  DecoderInput input;
  LabelNaming naming;
  const char* help;  // what it does, completing "ksym() ..." ("turns kernel addresses into ...")
};

std::span<const DecoderInfo> decoders();
const DecoderInfo* find_decoder(std::string_view name);

}  // namespace sonde::sema

// Helpers shared by the decode tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/spec/program.h"

namespace sonde::decode::test {

// Little-endian bytes of an integer of `size` bytes.
std::vector<uint8_t> le_bytes(uint64_t value, size_t size);

// A label covering the whole key (offset 0).
spec::Label label_of(spec::Decoder decoder, uint32_t size);

// Address of a symbol of type t/T/w/W in /proc/kallsyms; 0 when absent.
uint64_t kallsyms_address(const std::string& name);

// The keys of a scrape, in one buffer each as a batch lookup returns them: `count` kernel
// addresses 64 bytes apart from `first` (8 bytes each) and pids 1..count (4 bytes each).
struct ScrapeKeys {
  std::vector<uint8_t> addresses, pids;
};
ScrapeKeys scrape_keys(uint64_t first, size_t count);

}  // namespace sonde::decode::test

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

}  // namespace sonde::decode::test

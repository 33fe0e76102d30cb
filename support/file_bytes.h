// A whole file's bytes, read with one allocation where the size is known.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde {

// Errors say "cannot read PATH: REASON", or that the file holds more than `max_bytes`.
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, size_t max_bytes = SIZE_MAX);

}  // namespace sonde

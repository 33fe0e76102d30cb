// Reading whole files: with one allocation where the size is known, and, for files a
// user names (programs, `use` targets, bundles, cache entries), only regular files of a
// bounded size, so that /dev/zero, a FIFO or a directory is an error, not a hang or an
// exhausted machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "support/result.h"

namespace sonde {

// Programs and the files they `use` (a megabyte of comments is far below this).
inline constexpr size_t kMaxProgramBytes = 16u << 20;

// Errors say "cannot read PATH: REASON", or that the file holds more than `max_bytes`.
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, size_t max_bytes = SIZE_MAX);

// A file a user named: a regular file (not a directory, FIFO or device) of at most
// `max_bytes`. Errors: "cannot read PATH: it is a directory", "... not a regular file",
// "PATH: larger than N bytes".
Result<std::vector<uint8_t>> read_user_file_bytes(const std::string& path, size_t max_bytes);
Result<std::string> read_user_file(const std::string& path, size_t max_bytes = kMaxProgramBytes);

}  // namespace sonde

// UTF-8 validation for text that reaches other programs: label values come from the
// kernel (comm, paths, strings read by probes) and may hold any bytes, while
// Prometheus rejects a whole scrape over one invalid label value and JSON must be UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "support/utf8.h"

namespace sonde::exporter {

// Whether `text` is entirely plain printable ASCII, the common case every escaper
// checks first so that it can append the text in one piece.
bool is_plain_ascii(std::string_view text);

// Whether `text` is printable ASCII without a double quote or backslash: what the
// Prometheus and JSON escapers append as it is (the common case, checked branch-free).
bool is_plain_quotable(std::string_view text);

// Whether `text` is well-formed UTF-8 (plain ASCII checked first, the common case).
bool is_valid_utf8(std::string_view text);

// Appends `text` with each invalid byte replaced by U+FFFD.
void append_utf8_lossy(std::string& out, std::string_view text);

}  // namespace sonde::exporter

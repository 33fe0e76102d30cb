// UTF-8 well-formedness, for text from outside: programs (ANTLR's input stream throws on
// invalid UTF-8) and label values from the kernel (Prometheus rejects a whole scrape
// over one invalid label value).
#pragma once

#include <cstddef>
#include <string_view>

namespace sonde {

// Length of the well-formed UTF-8 sequence starting at text[at] (1 to 4), or 0 when the
// bytes there are not one (stray continuation, overlong form, surrogate, > U+10FFFF,
// truncated sequence).
size_t utf8_sequence_length(std::string_view text, size_t at);

// Offset of the first byte that does not start a well-formed sequence, or npos.
size_t first_invalid_utf8(std::string_view text);

}  // namespace sonde

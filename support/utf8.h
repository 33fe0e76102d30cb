// UTF-8 well-formedness, for text from outside: programs (ANTLR's input stream throws on
// invalid UTF-8) and label values from the kernel (Prometheus rejects a whole scrape
// over one invalid label value).
#pragma once

#include <cstddef>
#include <string_view>

namespace sonde {

// U+FFFD, what an escaper writes for a byte that starts no well-formed sequence.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the well-formed UTF-8 sequence starting at text[at] (1 to 4), or 0 when the
// bytes there are not one (stray continuation, overlong form, surrogate, > U+10FFFF,
// truncated sequence).
size_t utf8_sequence_length(std::string_view text, size_t at);

// Offset of the first byte that does not start a well-formed sequence, or npos.
size_t first_invalid_utf8(std::string_view text);

// The one walk that makes text from outside safe for a reader (a terminal, Prometheus,
// JSON, a label): `escape(c)` is asked about each ASCII byte and returns what to write
// instead, or nothing to keep it; well-formed multi-byte sequences are kept; a byte that
// starts none becomes `invalid(c)`. Kept bytes reach `write(std::string_view)` in runs.
template <typename Write, typename Escape, typename Invalid>
void escape_utf8(std::string_view text, Write&& write, Escape&& escape, Invalid&& invalid) {
  size_t kept = 0;  // the start of the run of kept bytes not yet written
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::string_view instead;
    if (c < 0x80) {
      instead = escape(c);
      if (instead.empty()) {
        ++i;
        continue;
      }
    } else if (const size_t n = utf8_sequence_length(text, i); n > 0) {
      i += n;
      continue;
    } else {
      instead = invalid(c);
    }
    if (i > kept) write(text.substr(kept, i - kept));
    write(instead);
    kept = ++i;
  }
  if (i > kept) write(text.substr(kept, i - kept));
}

}  // namespace sonde

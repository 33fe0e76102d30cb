// sonde's writer of the Prometheus text exposition format (0.0.4), kept from one scrape
// to the next: what depends only on a family (its name checked and sanitized, its HELP
// and TYPE lines, bucket bounds, each label's `name="`) is built once; a series' label
// text is made as it is written (values are copied, escaped only when they need it), so
// that nothing is kept per series.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/export/text_buffer.h"
#include "runtime/metrics/snapshot.h"

namespace sonde::exporter {

class ExpositionWriter {
 public:
  // Appends the exposition of every family of `snapshot`, in its order. Names that are
  // not valid Prometheus names are sanitized; a family whose sample names collide with
  // an earlier family's is left out (left_out() names it) so that the text always
  // parses. A histogram series is `_count`, `_sum`, then cumulative `_bucket`s ending
  // with `+Inf` equal to the count (the order prometheus-cpp wrote); nanoseconds are
  // exported as seconds.
  void write(const metrics::Snapshot& snapshot, TextBuffer& out);

  // Names of the families left out by the latest write().
  const std::vector<std::string>& left_out() const { return left_out_; }

  struct FamilyText;

  ExpositionWriter();
  ~ExpositionWriter();
  ExpositionWriter(ExpositionWriter&&) noexcept;
  ExpositionWriter& operator=(ExpositionWriter&&) noexcept;

 private:
  std::vector<FamilyText> families_;  // by position in the snapshot
  std::vector<std::string> left_out_;
  std::vector<std::string> taken_;  // sample names of this write, sorted as they come
};

// Escapes HELP text as the exposition format requires (backslash, newline; invalid
// UTF-8 becomes U+FFFD).
std::string escape_help(std::string_view help);

// Appends a label value escaped for the exposition (backslash, double quote, newline;
// invalid UTF-8 becomes U+FFFD).
void append_escaped_label_value(std::string& out, std::string_view value);

}  // namespace sonde::exporter

#include "runtime/export/json_lines.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/export/line_writer.h"
#include "runtime/export/names.h"
#include "runtime/export/numbers.h"
#include "runtime/export/utf8.h"

namespace sonde::exporter {

namespace {

using metrics::Family;
using metrics::FamilyType;
using metrics::Series;

// A control byte becomes \u00XX: six bytes for one, plus the quotes.
constexpr size_t quoted_size(std::string_view text) { return 6 * text.size() + 2; }

void write_string(LineWriter& out, std::string_view text) {
  out.write('"');
  if (is_plain_quotable(text)) {
    out.write(text);
    out.write('"');
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  char escaped[6] = {'\\', 'u', '0', '0'};
  escape_utf8(
      text, [&](std::string_view piece) { out.write(piece); },
      [&](unsigned char c) {
        switch (c) {
          case '"':
            return std::string_view("\\\"");
          case '\\':
            return std::string_view("\\\\");
          case '\n':
            return std::string_view("\\n");
          case '\t':
            return std::string_view("\\t");
          case '\r':
            return std::string_view("\\r");
          default:
            if (c >= 0x20) return std::string_view();
            escaped[4] = kHex[c >> 4];
            escaped[5] = kHex[c & 0xF];
            return std::string_view(escaped, sizeof(escaped));
        }
      },
      [](unsigned char) { return kReplacementCharacter; });
  out.write('"');
}

// JSON has no NaN or infinities.
void write_json_number(LineWriter& out, double value) {
  if (std::isfinite(value)) {
    out.advance_to(write_number(out.cursor(), value));
  } else {
    out.write("null");
  }
}

const std::string& label_value(const Series& series, size_t i) {
  static const std::string kEmpty;
  return i < series.label_values.size() ? series.label_values[i] : kEmpty;
}

void write_series(std::string& out, const Family& family, const std::vector<std::string>& keys,
                  const Series& series, bool first) {
  constexpr size_t kBucketSize = 2 * kMaxNumberLength + 20;
  size_t most = 64 + 3 * kMaxNumberLength + series.buckets.size() * kBucketSize;
  for (size_t i = 0; i < keys.size(); ++i)
    most += keys[i].size() + quoted_size(label_value(series, i));
  LineWriter line(out, most);
  line.write(first ? "{\"labels\":{" : ",{\"labels\":{");
  for (size_t i = 0; i < keys.size(); ++i) {
    line.write(keys[i]);
    write_string(line, label_value(series, i));
  }
  line.write('}');
  if (family.type != FamilyType::kHistogram) {
    line.write(",\"value\":");
    write_json_number(line, exported_value(series.value, family.unit));
    if (family.type == FamilyType::kSummary) {  // value: the average of these
      line.write(",\"sum\":");
      write_json_number(line, exported_value(series.sum, family.unit));
      line.write(",\"count\":");
      line.advance_to(write_unsigned(line.cursor(), series.count));
    }
    line.write('}');
    return;
  }
  line.write(",\"buckets\":[");
  uint64_t cumulative = 0;
  double last_bound = -INFINITY;
  bool first_bucket = true;
  for (const metrics::Bucket& bucket : series.buckets) {
    cumulative += bucket.count;
    const double bound = exported_value(bucket.le, family.unit);
    // Same rule as the Prometheus text: bounds strictly ascend.
    if (!std::isfinite(bound) || !(bound > last_bound)) continue;
    last_bound = bound;
    line.write(first_bucket ? "{\"le\":" : ",{\"le\":");
    first_bucket = false;
    line.advance_to(write_number(line.cursor(), bound));
    line.write(",\"count\":");
    line.advance_to(write_unsigned(line.cursor(), cumulative));
    line.write('}');
  }
  line.write("],\"sum\":");
  write_json_number(line, exported_value(series.sum, family.unit));
  line.write(",\"count\":");
  line.advance_to(write_unsigned(line.cursor(), std::max(series.count, cumulative)));
  line.write('}');
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  LineWriter line(out, quoted_size(text));
  write_string(line, text);
}

void append_json_lines(const metrics::Snapshot& snapshot, double unix_seconds, std::string& out) {
  for (const Family& family : snapshot.families) {
    const std::string name = sanitize_metric_name(family.name);
    {
      LineWriter line(out, quoted_size(name) + kMaxNumberLength + 64);
      line.write("{\"ts\":");
      write_json_number(line, unix_seconds);
      line.write(",\"metric\":");
      write_string(line, name);
      line.write(",\"type\":\"");
      line.write(family_type_name(family.type));
      line.write("\",\"series\":[");
    }
    // `"name":` for each label, with the separating comma where one is due.
    std::vector<std::string> keys;
    for (const std::string& label : export_label_names(family)) {
      std::string key = keys.empty() ? "" : ",";
      append_json_string(key, label);
      key += ':';
      keys.push_back(std::move(key));
    }
    for (size_t s = 0; s < family.series.size(); ++s) {
      write_series(out, family, keys, family.series[s], s == 0);
    }
    out += "]}\n";
  }
}

}  // namespace sonde::exporter

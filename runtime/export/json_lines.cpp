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

std::string_view label_value(const Series& series, size_t i) {
  return i < series.label_values.size() ? series.label_values[i] : std::string_view();
}

// Finite buckets, cumulative like Prometheus's: `counts` one per bucket of `series`.
// Returns the count in them all.
uint64_t write_buckets(LineWriter& line, const Family& family, const Series& series,
                       const std::vector<uint64_t>& counts) {
  line.write("\"buckets\":[");
  uint64_t cumulative = 0;
  double last_bound = -INFINITY;
  bool first_bucket = true;
  for (size_t i = 0; i < series.buckets.size() && i < counts.size(); ++i) {
    cumulative += counts[i];
    const double bound = exported_value(series.buckets[i].le, family.unit);
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
  line.write(']');
  return cumulative;
}

// The fields of a value: "value" (and a summary's "sum" and "count"), or a histogram's
// "buckets", "sum" and "count"; `counts` are the histogram's per bucket.
void write_values(LineWriter& line, const Family& family, const Series& series, double value,
                  uint64_t count, double sum, const std::vector<uint64_t>& counts) {
  if (family.type != FamilyType::kHistogram) {
    line.write("\"value\":");
    write_json_number(line, exported_value(value, family.unit));
    if (family.type == FamilyType::kSummary) {  // value: the average of these
      line.write(",\"sum\":");
      write_json_number(line, exported_value(sum, family.unit));
      line.write(",\"count\":");
      line.advance_to(write_unsigned(line.cursor(), count));
    }
    return;
  }
  const uint64_t in_buckets = write_buckets(line, family, series, counts);
  line.write(",\"sum\":");
  write_json_number(line, exported_value(sum, family.unit));
  line.write(",\"count\":");
  line.advance_to(write_unsigned(line.cursor(), std::max(count, in_buckets)));
}

void write_series(std::string& out, const Family& family, const std::vector<std::string>& keys,
                  size_t index, bool first) {
  const Series& series = family.series[index];
  const metrics::Increase* inc =
      index < family.increases.size() ? &family.increases[index] : nullptr;
  constexpr size_t kBucketSize = 2 * kMaxNumberLength + 20;
  size_t most = 2 * (64 + 3 * kMaxNumberLength + series.buckets.size() * kBucketSize);
  for (size_t i = 0; i < keys.size(); ++i)
    most += keys[i].size() + quoted_size(label_value(series, i));
  LineWriter line(out, most);
  line.write(first ? "{\"labels\":{" : ",{\"labels\":{");
  for (size_t i = 0; i < keys.size(); ++i) {
    line.write(keys[i]);
    write_string(line, label_value(series, i));
  }
  line.write("},");
  std::vector<uint64_t> counts;
  if (family.type == FamilyType::kHistogram) {
    for (const auto& b : series.buckets) counts.push_back(b.count);
  }
  write_values(line, family, series, series.value, series.count, series.sum, counts);
  if (inc != nullptr) {
    line.write(",\"interval\":{");
    write_values(line, family, series, inc->value, inc->count, inc->sum, inc->buckets);
    line.write('}');
  }
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
      LineWriter line(out, quoted_size(name) + 3 * kMaxNumberLength + 128);
      line.write("{\"ts\":");
      write_json_number(line, unix_seconds);
      if (snapshot.interval) {
        line.write(",\"interval\":{\"start\":");
        write_json_number(line, snapshot.interval->start);
        line.write(",\"end\":");
        write_json_number(line, snapshot.interval->end);
        line.write(snapshot.interval->final ? ",\"final\":true}" : ",\"final\":false}");
      }
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
      write_series(out, family, keys, s, s == 0);
    }
    out += "]}\n";
  }
}

}  // namespace sonde::exporter

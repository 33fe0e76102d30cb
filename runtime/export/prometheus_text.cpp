#include "runtime/export/prometheus_text.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
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

// Escaping turns one byte into at most three (an invalid byte becomes U+FFFD).
constexpr size_t escaped_size(std::string_view text) { return 3 * text.size(); }

// Escapes `text` for a label value (backslash, newline, double quote) or a HELP line
// (`quote` false: backslash and newline only); invalid UTF-8 becomes U+FFFD, which
// Prometheus requires.
void write_escaped(LineWriter& out, std::string_view text, bool quote) {
  if (is_plain_quotable(text)) {
    out.write(text);
    return;
  }
  escape_utf8(
      text, [&](std::string_view piece) { out.write(piece); },
      [quote](unsigned char c) {
        return c == '\\'           ? std::string_view("\\\\")
               : c == '\n'         ? std::string_view("\\n")
               : c == '"' && quote ? std::string_view("\\\"")
                                   : std::string_view();
      },
      [](unsigned char) { return kReplacementCharacter; });
}

const std::string& label_value(const Series& series, size_t i) {
  static const std::string kEmpty;
  return i < series.label_values.size() ? series.label_values[i] : kEmpty;
}

// The fixed text around a family's label values, built once per family:
// `NAME{a="` `",b="` ... `"} ` (or `NAME ` without labels).
struct SampleText {
  std::vector<std::string> before;  // one per label: what precedes its value
  std::string after;

  SampleText(const std::string& name, const std::vector<std::string>& labels) {
    for (size_t i = 0; i < labels.size(); ++i) {
      before.push_back((i == 0 ? name + "{" : std::string("\",")) + labels[i] + "=\"");
    }
    after = labels.empty() ? name + " " : "\"} ";
  }

  size_t fixed_size() const {
    size_t size = after.size();
    for (const std::string& text : before) size += text.size();
    return size;
  }
};

void write_sample(std::string& out, const SampleText& text, const Series& series, double value) {
  size_t most = text.fixed_size() + kMaxNumberLength + 1;
  for (size_t i = 0; i < text.before.size(); ++i) most += escaped_size(label_value(series, i));
  LineWriter line(out, most);
  for (size_t i = 0; i < text.before.size(); ++i) {
    line.write(text.before[i]);
    write_escaped(line, label_value(series, i), true);
  }
  line.write(text.after);
  line.advance_to(write_number(line.cursor(), value));
  line.write('\n');
}

// `a="x",b="y"`, without braces: histogram series repeat it on every line.
void append_label_pairs(std::string& out, const std::vector<std::string>& names,
                        const Series& series) {
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string& value = label_value(series, i);
    LineWriter pair(out, names[i].size() + escaped_size(value) + 4);
    if (i) pair.write(',');
    pair.write(names[i]);
    pair.write("=\"");
    write_escaped(pair, value, true);
    pair.write('"');
  }
}

// Bucket bounds print identically in every series of a family; formatting each bound
// once keeps wide histograms cheap.
class BoundTexts {
 public:
  const std::string& text(size_t index, double bound) {
    if (index >= bounds_.size()) {
      bounds_.resize(index + 1, std::nan(""));
      texts_.resize(index + 1);
    }
    if (!(bounds_[index] == bound)) {
      bounds_[index] = bound;
      texts_[index].clear();
      append_number(texts_[index], bound);
    }
    return texts_[index];
  }

 private:
  std::vector<double> bounds_;
  std::vector<std::string> texts_;
};

// NAME_SUFFIX{pairs[,]EXTRA VALUE\n
void write_histogram_line(std::string& out, std::string_view name, std::string_view suffix,
                          std::string_view pairs, std::string_view bound, double value) {
  LineWriter line(
      out, name.size() + suffix.size() + pairs.size() + bound.size() + kMaxNumberLength + 16);
  line.write(name);
  line.write(suffix);
  if (!bound.empty()) {
    line.write('{');
    line.write(pairs);
    if (!pairs.empty()) line.write(',');
    line.write("le=\"");
    line.write(bound);
    line.write("\"} ");
  } else if (!pairs.empty()) {
    line.write('{');
    line.write(pairs);
    line.write("} ");
  } else {
    line.write(' ');
  }
  line.advance_to(write_number(line.cursor(), value));
  line.write('\n');
}

void write_histogram_series(std::string& out, const Family& family, const std::string& name,
                            std::string_view pairs, const Series& series, BoundTexts& bounds) {
  uint64_t cumulative = 0;
  double last_bound = -INFINITY;
  size_t emitted = 0;
  for (const metrics::Bucket& bucket : series.buckets) {
    cumulative += bucket.count;
    const double bound = exported_value(bucket.le, family.unit);
    // Bounds must strictly ascend; a bucket that breaks this (never produced by the
    // runtime) is folded into the next one rather than invalidating the scrape.
    if (!std::isfinite(bound) || !(bound > last_bound)) continue;
    last_bound = bound;
    write_histogram_line(out, name, "_bucket", pairs, bounds.text(emitted++, bound),
                         static_cast<double>(cumulative));
  }
  const auto count = static_cast<double>(std::max(series.count, cumulative));
  write_histogram_line(out, name, "_bucket", pairs, "+Inf", count);
  write_histogram_line(out, name, "_sum", pairs, "", exported_value(series.sum, family.unit));
  write_histogram_line(out, name, "_count", pairs, "", count);
}

void write_header(std::string& out, const Family& family, const std::string& name) {
  const std::string& help = !family.help.empty()     ? family.help
                            : !family.source.empty() ? family.source
                                                     : family.name;
  LineWriter line(out, 2 * name.size() + escaped_size(help) + 32);
  line.write("# HELP ");
  line.write(name);
  line.write(' ');
  write_escaped(line, help, false);
  line.write("\n# TYPE ");
  line.write(name);
  line.write(' ');
  line.write(family_type_name(family.type));
  line.write('\n');
}

std::vector<std::string> family_sample_names(const std::string& name, FamilyType type) {
  if (type == FamilyType::kSummary) return {name, name + "_sum", name + "_count"};
  if (type != FamilyType::kHistogram) return {name};
  return {name, name + "_bucket", name + "_sum", name + "_count"};
}

}  // namespace

void append_prometheus_text(const metrics::Snapshot& snapshot, std::string& out) {
  std::unordered_set<std::string> taken;
  std::string pairs;  // the current histogram series' labels, reused across series
  BoundTexts bounds;
  for (const Family& family : snapshot.families) {
    const std::string name = sanitize_metric_name(family.name);
    const std::vector<std::string> sample_names = family_sample_names(name, family.type);
    bool collides = false;
    for (const std::string& sample_name : sample_names) collides |= taken.count(sample_name) > 0;
    if (collides) {
      out += "# sonde: left out a second family named ";
      out += name;
      out += '\n';
      continue;
    }
    taken.insert(sample_names.begin(), sample_names.end());
    write_header(out, family, name);

    const std::vector<std::string> label_names = export_label_names(family);
    if (family.type == FamilyType::kHistogram) {
      for (const Series& series : family.series) {
        pairs.clear();
        append_label_pairs(pairs, label_names, series);
        write_histogram_series(out, family, name, pairs, series, bounds);
      }
      continue;
    }
    if (family.type == FamilyType::kSummary) {
      // No quantiles: `_sum` and `_count` let PromQL average over any window.
      for (const Series& series : family.series) {
        pairs.clear();
        append_label_pairs(pairs, label_names, series);
        write_histogram_line(out, name, "_sum", pairs, "", exported_value(series.sum, family.unit));
        write_histogram_line(out, name, "_count", pairs, "", static_cast<double>(series.count));
      }
      continue;
    }
    const SampleText text(name, label_names);
    for (const Series& series : family.series) {
      write_sample(out, text, series, exported_value(series.value, family.unit));
    }
  }
}

}  // namespace sonde::exporter

#include "runtime/export/exposition.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <prometheus/check_names.h>

#include "runtime/export/names.h"
#include "runtime/export/numbers.h"
#include "runtime/export/utf8.h"

namespace sonde::exporter {

namespace {

using metrics::Family;
using metrics::FamilyType;
using metrics::Series;

// The library's check first (at family creation only); sonde's sanitizer for what it
// rejects.
std::string metric_name(const std::string& name) {
  return prometheus::CheckMetricName(name) ? name : sanitize_metric_name(name);
}

std::vector<std::string> sample_names(const std::string& name, FamilyType type) {
  if (type == FamilyType::kSummary) return {name, name + "_sum", name + "_count"};
  if (type != FamilyType::kHistogram) return {name};
  return {name, name + "_bucket", name + "_sum", name + "_count"};
}

void append_escaped(std::string& out, std::string_view text, bool quote) {
  if (is_plain_quotable(text)) {
    out += text;
    return;
  }
  escape_utf8(
      text, [&](std::string_view piece) { out += piece; },
      [quote](unsigned char c) {
        return c == '\\'           ? std::string_view("\\\\")
               : c == '\n'         ? std::string_view("\\n")
               : c == '"' && quote ? std::string_view("\\\"")
                                   : std::string_view();
      },
      [](unsigned char) { return kReplacementCharacter; });
}

const std::string& chosen_help(const Family& family) {
  return !family.help.empty() ? family.help : !family.source.empty() ? family.source : family.name;
}

// Writes pieces of one line into room made for it.
class Line {
 public:
  Line(TextBuffer& out, size_t most) : out_(out), at_(out.room(most)) {}
  ~Line() { out_.commit(at_); }
  Line(const Line&) = delete;
  Line& operator=(const Line&) = delete;
  void write(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void write(char c) { *at_++ = c; }
  void number(double value) { at_ = write_number(at_, value); }
  void count(uint64_t value) { at_ = write_unsigned(at_, value); }

 private:
  TextBuffer& out_;
  char* at_;
};

}  // namespace

struct ExpositionWriter::FamilyText {
  // What the text was built from.
  std::string raw_name;
  FamilyType type = FamilyType::kCounter;
  std::vector<std::string> raw_label_names;
  std::string raw_help;

  std::string name;                  // exported
  std::vector<std::string> samples;  // the sample names it takes
  std::string header;                // # HELP and # TYPE lines
  // Line starts: `NAME`, or `NAME_count`, `NAME_sum`, `NAME_bucket`.
  std::string plain, count, sum, bucket;
  std::vector<std::string> label_names;  // exported

  // `a="`, `,b="`: what comes before each label's value.
  std::vector<std::string> label_prefix;
  // The label text of the series being written, rebuilt for each: for plain values (the
  // common case) that is a copy of a few bytes, no slower than comparing them with a
  // cached copy was, and nothing per series is kept (4.7 MB at 100k counter series).
  std::string scratch;

  // Bucket bounds as text, by position: the same in every series of a family.
  std::vector<double> bounds;
  std::vector<std::string> bound_texts;

  bool same_family(const Family& family) const {
    return raw_name == family.name && type == family.type && raw_label_names == family.label_names;
  }

  void rebuild(const Family& family) {
    raw_name = family.name;
    type = family.type;
    raw_label_names = family.label_names;
    name = metric_name(family.name);
    samples = sample_names(name, family.type);
    label_names = export_label_names(family);
    plain = name;
    count = name + "_count";
    sum = name + "_sum";
    bucket = name + "_bucket";
    raw_help.clear();
    header.clear();
    label_prefix.clear();
    for (size_t j = 0; j < label_names.size(); ++j)
      label_prefix.push_back((j > 0 ? "," : "") + label_names[j] + "=\"");
    bounds.clear();
    bound_texts.clear();
  }

  void set_help(const Family& family) {
    const std::string& help = chosen_help(family);
    if (!header.empty() && help == raw_help) return;
    raw_help = help;
    header = "# HELP " + name + " ";
    append_escaped(header, help, false);
    header += "\n# TYPE " + name + " " + family_type_name(type) + "\n";
  }

  // The escaped `a="x",b="y"` of `series`, valid until the next call.
  std::string_view labels_of(const Series& series) {
    // Values missing at the end are empty.
    auto for_each_value = [&](auto&& each) {
      std::string_view rest = series.label_values.packed();
      for (size_t j = 0; j < label_prefix.size(); ++j) {
        std::string_view value;
        uint32_t size = 0;
        if (j < series.label_values.size() && rest.size() >= sizeof size) {
          std::memcpy(&size, rest.data(), sizeof size);
          rest.remove_prefix(sizeof size);
          value = rest.substr(0, size);
          rest.remove_prefix(value.size());
        }
        each(j, value);
      }
    };
    // Values that need no escaping (nearly all) are copied as they are, into room made
    // for the whole text at once: as fast as copying a cached text was.
    size_t total = 0;
    bool all_plain = true;
    for_each_value([&](size_t j, std::string_view value) {
      total += label_prefix[j].size() + value.size() + 1;
      all_plain = all_plain && is_plain_quotable(value);
    });
    // Memory a far longer label text left behind is given back.
    if (scratch.capacity() > 65536 && total < scratch.capacity() / 8) {
      scratch.clear();
      scratch.shrink_to_fit();
    }
    if (all_plain) {
      if (scratch.size() < total) scratch.resize(total);
      char* at = scratch.data();
      for_each_value([&](size_t j, std::string_view value) {
        at = std::copy(label_prefix[j].begin(), label_prefix[j].end(), at);
        at = std::copy(value.begin(), value.end(), at);
        *at++ = '"';
      });
      return std::string_view(scratch.data(), total);
    }
    scratch.clear();
    for_each_value([&](size_t j, std::string_view value) {
      scratch += label_prefix[j];
      append_escaped(scratch, value, true);
      scratch += '"';
    });
    return scratch;
  }

  const std::string& bound_text(size_t i, double bound) {
    if (i >= bounds.size()) {
      bounds.resize(i + 1, std::nan(""));
      bound_texts.resize(i + 1);
    }
    if (!(bounds[i] == bound)) {
      bounds[i] = bound;
      bound_texts[i].clear();
      append_number(bound_texts[i], bound);
    }
    return bound_texts[i];
  }
};

namespace {

using FamilyText = ExpositionWriter::FamilyText;

// NAME{LABELS} VALUE, or NAME VALUE without labels.
void write_sample(TextBuffer& out, std::string_view name, std::string_view labels, double value) {
  Line line(out, name.size() + labels.size() + kMaxNumberLength + 4);
  line.write(name);
  if (!labels.empty()) {
    line.write('{');
    line.write(labels);
    line.write('}');
  }
  line.write(' ');
  line.number(value);
  line.write('\n');
}

void write_count(TextBuffer& out, std::string_view name, std::string_view labels, uint64_t value) {
  Line line(out, name.size() + labels.size() + kMaxNumberLength + 4);
  line.write(name);
  if (!labels.empty()) {
    line.write('{');
    line.write(labels);
    line.write('}');
  }
  line.write(' ');
  line.count(value);
  line.write('\n');
}

// NAME_bucket{LABELS,le="BOUND"} COUNT
void write_bucket(TextBuffer& out, const FamilyText& text, std::string_view labels,
                  std::string_view bound, uint64_t value) {
  Line line(out, text.bucket.size() + labels.size() + bound.size() + kMaxNumberLength + 12);
  line.write(text.bucket);
  line.write('{');
  if (!labels.empty()) {
    line.write(labels);
    line.write(',');
  }
  line.write("le=\"");
  line.write(bound);
  line.write("\"} ");
  line.count(value);
  line.write('\n');
}

void write_histogram(TextBuffer& out, FamilyText& text, const Family& family,
                     std::string_view labels, const Series& series) {
  uint64_t cumulative = 0;
  for (const metrics::Bucket& bucket : series.buckets) cumulative += bucket.count;
  const uint64_t count = std::max(series.count, cumulative);
  write_count(out, text.count, labels, count);
  write_sample(out, text.sum, labels, exported_value(series.sum, family.unit));
  cumulative = 0;
  double last_bound = -INFINITY;
  size_t written = 0;
  for (const metrics::Bucket& bucket : series.buckets) {
    cumulative += bucket.count;
    const double bound = exported_value(bucket.le, family.unit);
    // Bounds must strictly ascend; a bucket that breaks this (never produced by the
    // runtime) is folded into the next one rather than invalidating the scrape.
    if (!std::isfinite(bound) || !(bound > last_bound)) continue;
    last_bound = bound;
    write_bucket(out, text, labels, text.bound_text(written++, bound), cumulative);
  }
  write_bucket(out, text, labels, "+Inf", count);
}

}  // namespace

ExpositionWriter::ExpositionWriter() = default;
ExpositionWriter::~ExpositionWriter() = default;
ExpositionWriter::ExpositionWriter(ExpositionWriter&&) noexcept = default;
ExpositionWriter& ExpositionWriter::operator=(ExpositionWriter&&) noexcept = default;

void ExpositionWriter::write(const metrics::Snapshot& snapshot, TextBuffer& out) {
  left_out_.clear();
  taken_.clear();
  size_t kept = 0;
  for (const Family& family : snapshot.families) {
    if (kept == families_.size()) families_.emplace_back();
    FamilyText& text = families_[kept];
    if (!text.same_family(family)) text.rebuild(family);
    // A handful of families: a linear search beats hashing their names.
    if (std::any_of(text.samples.begin(), text.samples.end(), [&](const std::string& s) {
          return std::find(taken_.begin(), taken_.end(), s) != taken_.end();
        })) {
      left_out_.push_back(text.name);
      continue;
    }
    taken_.insert(taken_.end(), text.samples.begin(), text.samples.end());
    ++kept;
    text.set_help(family);
    out.append(text.header);
    metrics::for_each_series(family, [&](const Series& series) {
      const std::string_view labels = text.labels_of(series);
      switch (family.type) {
        case FamilyType::kCounter:
        case FamilyType::kGauge:
          write_sample(out, text.plain, labels, exported_value(series.value, family.unit));
          break;
        case FamilyType::kHistogram:
          write_histogram(out, text, family, labels, series);
          break;
        case FamilyType::kSummary:
          // No quantiles: `_sum` and `_count` let PromQL average over any window.
          write_count(out, text.count, labels, series.count);
          write_sample(out, text.sum, labels, exported_value(series.sum, family.unit));
          break;
      }
    });
  }
  families_.resize(kept);
}

std::string escape_help(std::string_view help) {
  std::string out;
  append_escaped(out, help, false);
  return out;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  append_escaped(out, value, true);
}

}  // namespace sonde::exporter

#include "runtime/export/terminal.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "runtime/export/humanize.h"
#include "runtime/export/names.h"
#include "runtime/export/utf8.h"

namespace sonde::exporter {

namespace {

using metrics::Family;
using metrics::FamilyType;
using metrics::Series;

// Label columns wider than this are not padded further: one long stack must not push
// every other row's value off the screen.
constexpr size_t kMaxColumnWidth = 48;

// Label values are data from the traced system: control bytes could move the cursor
// or change colors, so they are shown as \xNN.
std::string printable(std::string_view text) {
  if (is_plain_ascii(text)) return std::string(text);
  std::string out;
  char escaped[4];
  escape_utf8(
      text, [&](std::string_view piece) { out += piece; },
      [&](unsigned char c) {
        if (c >= 0x20 && c != 0x7F) return std::string_view();
        fmt::format_to_n(escaped, sizeof(escaped), "\\x{:02x}", c);
        return std::string_view(escaped, sizeof(escaped));
      },
      [](unsigned char) { return kReplacementCharacter; });
  return out;
}

// Columns taken by valid UTF-8 text, one per code point.
size_t display_width(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

void append_left(std::string& out, std::string_view text, size_t width) {
  out += text;
  const size_t used = display_width(text);
  if (used < width) out.append(width - used, ' ');
}

void append_right(std::string& out, std::string_view text, size_t width) {
  const size_t used = display_width(text);
  if (used < width) out.append(width - used, ' ');
  out += text;
}

const std::string& label_value(const Series& series, size_t i) {
  static const std::string kEmpty;
  return i < series.label_values.size() ? series.label_values[i] : kEmpty;
}

// Indices of the series to show, largest first (ties by labels, for stable output).
template <typename Key>
std::vector<size_t> top_series(const Family& family, size_t top, Key key) {
  std::vector<size_t> order(family.series.size());
  std::iota(order.begin(), order.end(), 0);
  const size_t shown = top == 0 ? order.size() : std::min(top, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(shown), order.end(),
                    [&](size_t a, size_t b) {
                      const auto ka = key(family.series[a]), kb = key(family.series[b]);
                      if (ka != kb) return ka > kb;
                      return family.series[a].label_values < family.series[b].label_values;
                    });
  order.resize(shown);
  return order;
}

void append_more(std::string& out, size_t hidden, std::string_view what) {
  if (hidden > 0) out += fmt::format("  ... and {} more{}\n", hidden, what);
}

void append_table(std::string& out, const Family& family, const std::vector<std::string>& names,
                  const TerminalOptions& options) {
  const std::vector<size_t> shown = top_series(family, options.top, [](const Series& s) {
    return std::isnan(s.value) ? -INFINITY : s.value;  // NaN would break the ordering
  });
  // A summary (avg) shows its average and how many values it is the average of.
  const bool summary = family.type == FamilyType::kSummary;
  std::vector<std::vector<std::string>> cells;  // per row: label values, then the values
  cells.reserve(shown.size() + 1);
  cells.emplace_back(names.begin(), names.end());
  cells.back().push_back(summary ? "avg" : "value");
  if (summary) cells.back().push_back("count");
  for (size_t index : shown) {
    const Series& series = family.series[index];
    std::vector<std::string> row;
    for (size_t i = 0; i < names.size(); ++i) row.push_back(printable(label_value(series, i)));
    if (summary && series.count == 0) {
      row.push_back("-");
    } else {
      row.push_back(humanize(series.value, family.unit));
    }
    if (summary) row.push_back(fmt::format("{}", series.count));
    cells.push_back(std::move(row));
  }
  std::vector<size_t> widths(cells.front().size(), 0);
  for (const auto& row : cells) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], std::min(display_width(row[i]), kMaxColumnWidth));
    }
  }
  for (const auto& row : cells) {
    out += "  ";
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += "  ";
      if (i < names.size()) {
        append_left(out, row[i], widths[i]);
      } else {
        append_right(out, row[i], widths[i]);
      }
    }
    out += '\n';
  }
  append_more(out, family.series.size() - shown.size(), "");
}

struct HistogramRow {
  std::string range;
  uint64_t count = 0;
};

// Buckets are (previous le, le]: the first one has no lower bound we know of.
std::vector<HistogramRow> histogram_rows(const Family& family, const Series& series) {
  const auto& buckets = series.buckets;
  uint64_t in_buckets = 0;
  size_t first = buckets.size(), last = 0;
  for (size_t i = 0; i < buckets.size(); ++i) {
    in_buckets += buckets[i].count;
    if (buckets[i].count == 0) continue;
    first = std::min(first, i);
    last = i;
  }
  std::vector<HistogramRow> rows;
  auto bound = [&](size_t i) { return humanize(buckets[i].le, family.unit); };
  if (first < buckets.size()) {
    for (size_t i = first; i <= last; ++i) {
      const std::string low = i == 0 ? "-inf" : bound(i - 1);
      rows.push_back({fmt::format("({}, {}]", low, bound(i)), buckets[i].count});
    }
  }
  if (series.count > in_buckets) {
    const std::string low = buckets.empty() ? "-inf" : bound(buckets.size() - 1);
    rows.push_back({fmt::format("({}, +inf)", low), series.count - in_buckets});
  }
  return rows;
}

void append_histogram_series(std::string& out, const Family& family, const Series& series,
                             const TerminalOptions& options) {
  const std::vector<HistogramRow> rows = histogram_rows(family, series);
  if (rows.empty()) {
    out += "  (no events yet)\n";
    return;
  }
  size_t range_width = 0, count_width = 0;
  uint64_t largest = 0;
  for (const HistogramRow& row : rows) {
    range_width = std::max(range_width, display_width(row.range));
    count_width = std::max(count_width, fmt::formatted_size("{}", row.count));
    largest = std::max(largest, row.count);
  }
  for (const HistogramRow& row : rows) {
    auto bar =
        static_cast<size_t>(static_cast<double>(row.count) *
                            static_cast<double>(options.bar_width) / static_cast<double>(largest));
    // Every non-empty bucket shows, however small next to the largest.
    if (row.count > 0 && options.bar_width > 0) bar = std::max<size_t>(bar, 1);
    out += "  ";
    append_left(out, row.range, range_width);
    out += ' ';
    append_right(out, fmt::format("{}", row.count), count_width);
    out += " |";
    out.append(bar, '@');
    out.append(options.bar_width - bar, ' ');
    out += "|\n";
  }
  const uint64_t count = series.count;
  out += fmt::format("  count {}, sum {}", count, humanize(series.sum, family.unit));
  if (count > 0) {
    out += fmt::format(", avg {}", humanize(series.sum / static_cast<double>(count), family.unit));
  }
  out += '\n';
}

void append_histograms(std::string& out, const Family& family,
                       const std::vector<std::string>& names, const TerminalOptions& options) {
  const std::vector<size_t> shown =
      top_series(family, options.top, [](const Series& s) { return s.count; });
  for (size_t n = 0; n < shown.size(); ++n) {
    const Series& series = family.series[shown[n]];
    if (n > 0) out += '\n';
    if (!names.empty()) {
      out += ' ';
      for (size_t i = 0; i < names.size(); ++i) {
        out += fmt::format(" {}={}", names[i], printable(label_value(series, i)));
      }
      out += '\n';
    }
    append_histogram_series(out, family, series, options);
  }
  append_more(out, family.series.size() - shown.size(), " series");
}

}  // namespace

void append_terminal_text(const metrics::Snapshot& snapshot, const TerminalOptions& options,
                          std::string& out) {
  for (const Family& family : snapshot.families) {
    out += printable(family.name);
    if (!family.source.empty()) {
      out += ": ";
      out += printable(family.source);
    }
    out += '\n';
    if (family.dropped > 0) {
      out += fmt::format("WARNING: {} updates found the map full", family.dropped);
      if (family.capacity > 0) out += fmt::format(" (capacity {})", family.capacity);
      out +=
          fmt::format(": counted under {}; raise it with `capacity N`\n", metrics::kOverflowLabel);
    }
    if (family.span_evicted > 0) {
      out += fmt::format(
          "WARNING: {} span starts evicted: more than {} in flight at once; their "
          "ends were not measured\n",
          family.span_evicted, family.span_capacity);
    }
    if (family.missed > 0) {
      out += fmt::format(
          "WARNING: {} events missed: the kernel skipped this probe while another "
          "BPF program ran on the same CPU\n",
          family.missed);
    }
    const std::vector<std::string> names = export_label_names(family);
    if (family.series.empty()) {
      out += "  (no events yet)\n";
    } else if (family.type == FamilyType::kHistogram) {
      append_histograms(out, family, names, options);
    } else {
      append_table(out, family, names, options);
    }
    out += '\n';
  }
}

}  // namespace sonde::exporter

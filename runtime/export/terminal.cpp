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

std::string_view label_value(const Series& series, size_t i) {
  return i < series.label_values.size() ? series.label_values[i] : std::string_view();
}

std::vector<size_t> all_series(const Family& family) {
  std::vector<size_t> order(family.series.size());
  std::iota(order.begin(), order.end(), 0);
  return order;
}

// Of the series `order` holds, the ones to show, largest `key(index)` first (ties by
// labels, for stable output).
template <typename Key>
std::vector<size_t> top_series(const Family& family, std::vector<size_t> order, size_t top,
                               Key key) {
  const size_t shown = top == 0 ? order.size() : std::min(top, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(shown), order.end(),
                    [&](size_t a, size_t b) {
                      const auto ka = key(a), kb = key(b);
                      if (ka != kb) return ka > kb;
                      return family.series[a].label_values < family.series[b].label_values;
                    });
  order.resize(shown);
  return order;
}

void append_more(std::string& out, size_t hidden, std::string_view what) {
  if (hidden > 0) out += fmt::format("  ... and {} more{}\n", hidden, what);
}

// The series an interval view shows: those that changed in it. Says so when none did.
std::vector<size_t> changed_series(const Family& family, std::string& out) {
  std::vector<size_t> order;
  for (size_t i = 0; i < family.increases.size(); ++i) {
    if (family.increases[i].changed) order.push_back(i);
  }
  if (order.empty()) {
    out +=
        fmt::format("  (no change in this interval; {} series in total)\n", family.series.size());
  }
  return order;
}

void append_unchanged(std::string& out, const Family& family, size_t changed) {
  const size_t unchanged = family.series.size() - changed;
  if (unchanged > 0) {
    out += fmt::format("  ({} series unchanged in this interval not shown)\n", unchanged);
  }
}

double sortable(double value) { return std::isnan(value) ? -INFINITY : value; }

std::string average_text(double average, uint64_t count, spec::Unit unit) {
  return count == 0 ? "-" : humanize(average, unit);
}

std::string rate_text(double increase, double seconds, spec::Unit unit) {
  return seconds > 0 ? humanize(increase / seconds, unit) : "-";
}

// The series a view shows before --top: in an interval view those that changed (with a
// line saying how many did not), otherwise all of them.
std::vector<size_t> series_in_view(const Family& family, View view, std::string& out) {
  return view == View::kInterval ? changed_series(family, out) : all_series(family);
}

void append_table(std::string& out, const Family& family, const std::vector<std::string>& names,
                  const TerminalOptions& options, View view, double seconds) {
  // A summary (avg) shows its average and how many values it is the average of.
  const bool summary = family.type == FamilyType::kSummary;
  const auto& inc = family.increases;
  const std::vector<size_t> order = series_in_view(family, view, out);
  if (view == View::kInterval && order.empty()) return;
  const std::vector<size_t> shown = top_series(family, order, options.top, [&](size_t i) {
    return sortable(view == View::kInterval ? inc[i].value : family.series[i].value);
  });
  std::vector<std::vector<std::string>> cells;  // per row: label values, then the values
  cells.reserve(shown.size() + 1);
  cells.emplace_back(names.begin(), names.end());
  auto& heading = cells.back();
  switch (view) {
    case View::kCumulative:
      heading.insert(heading.end(), {summary ? "avg" : "value"});
      if (summary) heading.push_back("count");
      break;
    case View::kInterval:
      if (summary) {
        heading.insert(heading.end(), {"avg", "count", "total avg", "total count"});
      } else {
        heading.insert(heading.end(), {"interval", "total"});
      }
      break;
    case View::kRate:
      if (summary) {
        heading.insert(heading.end(), {"avg", "count", "count/s"});
      } else {
        heading.insert(heading.end(), {"value", "rate/s"});
      }
      break;
  }
  for (size_t index : shown) {
    const Series& series = family.series[index];
    std::vector<std::string> row;
    for (size_t i = 0; i < names.size(); ++i) row.push_back(printable(label_value(series, i)));
    if (view == View::kInterval) {
      if (summary) {
        row.push_back(average_text(inc[index].value, inc[index].count, family.unit));
        row.push_back(fmt::format("{}", inc[index].count));
      } else {
        row.push_back(humanize(inc[index].value, family.unit));
      }
    }
    if (summary) {
      row.push_back(average_text(series.value, series.count, family.unit));
      row.push_back(fmt::format("{}", series.count));
    } else {
      row.push_back(humanize(series.value, family.unit));
    }
    if (view == View::kRate) {
      row.push_back(
          summary ? rate_text(static_cast<double>(inc[index].count), seconds, spec::Unit::kNone)
                  : rate_text(inc[index].value, seconds, family.unit));
    }
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
  append_more(out, order.size() - shown.size(), "");
  if (view == View::kInterval) append_unchanged(out, family, order.size());
}

struct HistogramRow {
  std::string range;
  uint64_t count = 0;
};

// Buckets are (previous le, le]: the first one has no lower bound we know of. `counts`:
// one per bucket of `series` (its own, or an interval's), `total` all of them and +Inf.
std::vector<HistogramRow> histogram_rows(const Family& family, const Series& series,
                                         const std::vector<uint64_t>& counts, uint64_t total) {
  const auto& buckets = series.buckets;
  uint64_t in_buckets = 0;
  size_t first = buckets.size(), last = 0;
  for (size_t i = 0; i < buckets.size() && i < counts.size(); ++i) {
    in_buckets += counts[i];
    if (counts[i] == 0) continue;
    first = std::min(first, i);
    last = i;
  }
  std::vector<HistogramRow> rows;
  auto bound = [&](size_t i) { return humanize(buckets[i].le, family.unit); };
  if (first < buckets.size()) {
    for (size_t i = first; i <= last; ++i) {
      const std::string low = i == 0 ? "-inf" : bound(i - 1);
      rows.push_back({fmt::format("({}, {}]", low, bound(i)), counts[i]});
    }
  }
  if (total > in_buckets) {
    const std::string low = buckets.empty() ? "-inf" : bound(buckets.size() - 1);
    rows.push_back({fmt::format("({}, +inf)", low), total - in_buckets});
  }
  return rows;
}

std::string count_sum_avg(const Family& family, uint64_t count, double sum) {
  std::string out = fmt::format("count {}, sum {}", count, humanize(sum, family.unit));
  if (count > 0) {
    out += fmt::format(", avg {}", humanize(sum / static_cast<double>(count), family.unit));
  }
  return out;
}

void append_histogram_series(std::string& out, const Family& family, size_t index,
                             const TerminalOptions& options, View view, double seconds) {
  const Series& series = family.series[index];
  std::vector<HistogramRow> rows;
  if (view == View::kInterval) {
    const metrics::Increase& inc = family.increases[index];
    rows = histogram_rows(family, series, inc.buckets, inc.count);
  } else {
    std::vector<uint64_t> counts;
    for (const auto& b : series.buckets) counts.push_back(b.count);
    rows = histogram_rows(family, series, counts, series.count);
  }
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
  out += "  ";
  switch (view) {
    case View::kCumulative:
      out += count_sum_avg(family, series.count, series.sum);
      break;
    case View::kInterval: {
      const metrics::Increase& inc = family.increases[index];
      out += count_sum_avg(family, inc.count, inc.sum);
      out += " (total: " + count_sum_avg(family, series.count, series.sum) + ")";
      break;
    }
    case View::kRate: {
      const std::string rate =
          rate_text(static_cast<double>(family.increases[index].count), seconds, spec::Unit::kNone);
      out += count_sum_avg(family, series.count, series.sum) + fmt::format(" (count {}/s)", rate);
      break;
    }
  }
  out += '\n';
}

void append_histograms(std::string& out, const Family& family,
                       const std::vector<std::string>& names, const TerminalOptions& options,
                       View view, double seconds) {
  const std::vector<size_t> order = series_in_view(family, view, out);
  if (view == View::kInterval && order.empty()) return;
  const std::vector<size_t> shown = top_series(family, order, options.top, [&](size_t i) {
    return view == View::kInterval ? family.increases[i].count : family.series[i].count;
  });
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
    append_histogram_series(out, family, shown[n], options, view, seconds);
  }
  append_more(out, order.size() - shown.size(), " series");
  if (view == View::kInterval) append_unchanged(out, family, order.size());
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
    // Gauges, and snapshots without increases, show their values as read.
    const bool increases = snapshot.interval && !family.increases.empty() &&
                           family.increases.size() == family.series.size();
    const View view = increases ? options.view : View::kCumulative;
    const double seconds = snapshot.interval ? snapshot.interval->seconds : 0;
    if (family.series.empty()) {
      out += "  (no events yet)\n";
    } else if (family.type == FamilyType::kHistogram) {
      append_histograms(out, family, names, options, view, seconds);
    } else {
      append_table(out, family, names, options, view, seconds);
    }
    out += '\n';
  }
}

}  // namespace sonde::exporter

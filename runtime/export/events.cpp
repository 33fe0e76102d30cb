#include "runtime/export/events.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "runtime/export/json_lines.h"

namespace sonde::exporter {
namespace {

// A column is as wide as its name, and as a comm (16) for text, so that most lines align.
size_t width(const spec::Label& field) {
  size_t typical = field.decoder == spec::Decoder::kString ? 16 : 7;
  return std::max(field.name.size(), typical);
}

template <typename Text>
void append_columns(const spec::Events& events, Text text, std::string& out) {
  for (size_t i = 0; i < events.fields.size(); ++i) {
    const std::string& t = text(i);
    if (i + 1 == events.fields.size()) {
      out += t;  // the last column is not padded: stacks and paths can be long
    } else {
      out += t;
      out.append(t.size() < width(events.fields[i]) ? width(events.fields[i]) - t.size() : 0, ' ');
      out += ' ';
    }
  }
  out += '\n';
}

}  // namespace

void append_event_header(const spec::Events& events, std::string& out) {
  std::vector<std::string> names;
  for (const auto& f : events.fields) {
    names.push_back(f.name);
    for (char& c : names.back()) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  append_columns(
      events, [&](size_t i) -> const std::string& { return names[i]; }, out);
}

void append_event_line(const spec::Events& events, const std::vector<std::string>& values,
                       std::string& out) {
  static const std::string kNone;
  append_columns(
      events, [&](size_t i) -> const std::string& { return i < values.size() ? values[i] : kNone; },
      out);
}

void append_event_json(const spec::Events& events, const std::vector<std::string>& values,
                       double unix_seconds, std::string& out) {
  out += fmt::format("{{\"ts\":{:.6f},\"event\":", unix_seconds);
  append_json_string(out, events.name);
  out += ",\"fields\":{";
  for (size_t i = 0; i < events.fields.size(); ++i) {
    if (i) out += ',';
    append_json_string(out, events.fields[i].name);
    out += ':';
    append_json_string(out, i < values.size() ? values[i] : std::string());
  }
  out += "}}\n";
}

}  // namespace sonde::exporter

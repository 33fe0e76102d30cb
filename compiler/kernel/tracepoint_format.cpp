// Parsing the text of events/CATEGORY/NAME/format.
#include <charconv>

#include <fmt/format.h>

#include "compiler/kernel/print_fmt.h"
#include "compiler/kernel/tracefs.h"
#include "support/text.h"

namespace sonde::kernel {
namespace {

template <typename T>
bool parse_number(std::string_view s, T& out) {
  s = trim(s);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// "TYPE NAME", "TYPE NAME[N]", "__data_loc TYPE[] NAME" -> the field's name and type.
Status parse_declaration(std::string_view decl, TracepointField& f) {
  decl = trim(decl);
  std::string_view dims;
  if (decl.ends_with("]")) {
    size_t open = decl.rfind('[');
    if (open == std::string_view::npos) return Error{"unbalanced [ ]", ""};
    dims = decl.substr(open);
    decl = trim(decl.substr(0, open));
  }
  size_t name_start = decl.size();
  while (name_start > 0 && is_ident_char(decl[name_start - 1])) --name_start;
  if (name_start == decl.size()) return Error{"no field name", ""};
  f.name = std::string(decl.substr(name_start));
  std::string_view type = trim(decl.substr(0, name_start));
  if (type.empty()) return Error{"no field type", ""};
  f.c_type = fmt::format("{}{}", type, dims);

  bool data_loc = type.starts_with("__data_loc ");
  bool rel_loc = type.starts_with("__rel_loc ");
  if (data_loc || rel_loc) {
    std::string_view element = trim(type.substr(type.find(' ')));
    f.kind = element == "char[]" ? FieldKind::kDataLoc : FieldKind::kDataLocArray;
    f.relative_loc = rel_loc;
    return {};
  }
  if (!dims.empty()) {
    std::string_view n = dims.substr(1, dims.size() - 2);
    if (!n.empty() && !parse_number(n, f.array_len)) {
      return Error{fmt::format("array length '{}' is not a number", n), ""};
    }
    if (type == "char" || type == "const char" || type == "signed char") {
      f.kind = FieldKind::kCharArray;
    } else {
      f.kind = FieldKind::kArray;
    }
    f.element_size = f.array_len == 0 ? 0 : f.size / f.array_len;
    return {};
  }
  f.kind = type.ends_with("*") ? FieldKind::kPointer : FieldKind::kInteger;
  return {};
}

// "\tfield:TYPE NAME;\toffset:O;\tsize:S;\tsigned:X;"
Result<TracepointField> parse_field(std::string_view line) {
  TracepointField f;
  std::string_view decl;
  bool have_offset = false;
  bool have_size = false;
  while (!line.empty()) {
    size_t semi = line.find(';');
    std::string_view part = trim(line.substr(0, semi));
    line = semi == std::string_view::npos ? std::string_view{} : line.substr(semi + 1);
    if (part.empty()) continue;
    size_t colon = part.find(':');
    if (colon == std::string_view::npos) return Error{fmt::format("'{}' has no ':'", part), ""};
    std::string_view key = part.substr(0, colon);
    std::string_view value = part.substr(colon + 1);
    if (key == "field") {
      decl = value;
    } else if (key == "offset") {
      if (!parse_number(value, f.offset)) return Error{fmt::format("bad offset '{}'", value), ""};
      have_offset = true;
    } else if (key == "size") {
      if (!parse_number(value, f.size)) return Error{fmt::format("bad size '{}'", value), ""};
      have_size = true;
    } else if (key == "signed") {
      int s = 0;
      if (!parse_number(value, s)) return Error{fmt::format("bad signed '{}'", value), ""};
      f.is_signed = s != 0;
    }
  }
  if (decl.empty() || !have_offset || !have_size) {
    return Error{"a field needs field:, offset: and size:", ""};
  }
  if (Status s = parse_declaration(decl, f); !s) return s.error();
  f.common = f.name.starts_with("common_");
  return f;
}

}  // namespace

const TracepointField* TracepointFormat::field(std::string_view field_name) const {
  for (const TracepointField& f : fields) {
    if (f.name == field_name) return &f;
  }
  return nullptr;
}

Result<TracepointFormat> parse_tracepoint_format(std::string_view category, std::string_view name,
                                                 std::string_view text,
                                                 const ConstantResolver& resolve) {
  TracepointFormat out;
  out.category = std::string(category);
  out.name = std::string(name);
  bool have_id = false;
  int line_no = 0;
  auto fail = [&](const Error& e) -> Error {
    return Error{fmt::format("{}:{} format, line {}: {}", category, name, line_no, e.message),
                 e.hint};
  };
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    std::string_view t = trim(line);
    if (t.starts_with("field:")) {
      Result<TracepointField> f = parse_field(t);
      if (!f) return fail(f.error());
      out.fields.push_back(std::move(*f));
    } else if (t.starts_with("ID:")) {
      if (!parse_number(t.substr(3), out.id)) return fail(Error{"bad ID", ""});
      have_id = true;
    } else if (t.starts_with("print fmt:")) {
      // The print format is one line, but keep anything after it rather than lose it.
      out.print_fmt = std::string(trim(t.substr(10)));
      if (!text.empty()) out.print_fmt += fmt::format("\n{}", trim(text));
      break;
    }
    // "name:" repeats what the path said; "format:" and blank lines separate sections.
  }
  if (!have_id) return Error{fmt::format("{}:{} format has no ID line", category, name), ""};
  if (out.fields.empty())
    return Error{fmt::format("{}:{} format has no fields", category, name), ""};

  for (PrintTable& table : parse_print_tables(out.print_fmt, resolve)) {
    for (TracepointField& f : out.fields) {
      if (f.name != table.field) continue;
      // A field shown by two tables keeps the first (both describe the same values).
      std::vector<SymbolicValue>& dest = table.flags ? f.flags : f.symbols;
      if (dest.empty()) dest = std::move(table.values);
    }
  }
  return out;
}

}  // namespace sonde::kernel

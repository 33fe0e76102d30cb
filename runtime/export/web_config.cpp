#include "runtime/export/web_config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "support/file_bytes.h"

namespace sonde::exporter {

namespace {

constexpr size_t kMaxWebConfigBytes = 1 << 20;
constexpr const char* kExample =
    "e.g.\n  tls_server_config:\n    cert_file: server.crt\n    key_file: server.key\n"
    "  basic_auth_users:\n    prometheus: $2y$10$...";

struct Line {
  size_t number = 0;
  size_t indent = 0;
  std::string key;
  std::string value;  // empty: a mapping follows (or an empty value)
  bool has_value = false;
};

class Reader {
 public:
  Reader(std::string_view text, std::string path) : text_(text), path_(std::move(path)) {}

  Error error(size_t line, std::string message, std::string hint = "") const {
    return Error{fmt::format("{}:{}: {}", path_, line, message), std::move(hint)};
  }

  // The lines that hold a key, with comments and blank lines dropped.
  Result<std::vector<Line>> lines() const {
    std::vector<Line> out;
    size_t number = 0;
    size_t at = 0;
    while (at <= text_.size()) {
      const size_t end = std::min(text_.find('\n', at), text_.size());
      std::string_view raw = text_.substr(at, end - at);
      at = end + 1;
      ++number;
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      const size_t indent = raw.find_first_not_of(' ');
      if (indent == std::string_view::npos) continue;
      if (raw[indent] == '\t' || raw.substr(0, indent).find('\t') != std::string_view::npos)
        return error(number, "a tab in the indentation", "YAML indents with spaces only");
      if (raw[indent] == '#') continue;
      if (indent == 0 && (raw == "---" || raw.starts_with("--- "))) continue;
      auto line = parse_line(raw.substr(indent), number);
      if (!line) return line.error();
      line->indent = indent;
      out.push_back(std::move(line.value()));
    }
    return out;
  }

 private:
  Result<Line> parse_line(std::string_view text, size_t number) const {
    Line line;
    line.number = number;
    if (text[0] == '-' || text[0] == '[' || text[0] == '{' || text[0] == '&' || text[0] == '*')
      return error(number, "sonde reads only `key: value` lines here", kExample);
    // A quoted key may hold a colon: look for the one after its closing quote.
    size_t key_end = 0;
    if (text[0] == '\'' || text[0] == '"') {
      key_end = text.find(text[0], 1);
      if (key_end == std::string_view::npos)
        return error(number, "a quoted key is not closed on its line");
      ++key_end;
    }
    const size_t colon = text.find(':', key_end);
    if (colon == std::string_view::npos)
      return error(number, fmt::format("expected `key: value`, found '{}'", text), kExample);
    std::string_view key = text.substr(0, colon);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    if (key.empty()) return error(number, "a value without a key", kExample);
    auto unquoted = scalar(key, number);
    if (!unquoted) return unquoted.error();
    line.key = std::move(unquoted.value());
    std::string_view rest = text.substr(colon + 1);
    if (!rest.empty() && rest[0] != ' ')
      return error(number, fmt::format("expected a space after '{}:'", key), kExample);
    auto value = scalar(rest, number);
    if (!value) return value.error();
    line.value = std::move(value.value());
    line.has_value = !line.value.empty();
    return line;
  }

  // A plain, 'single' or "double" quoted scalar, with a trailing comment removed.
  Result<std::string> scalar(std::string_view text, size_t number) const {
    const size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) return std::string();
    text = text.substr(start);
    std::string out;
    size_t end = 0;
    if (text[0] == '\'' || text[0] == '"') {
      const char quote = text[0];
      size_t i = 1;
      bool closed = false;
      for (; i < text.size(); ++i) {
        const char c = text[i];
        if (quote == '\'' && c == '\'') {
          if (i + 1 < text.size() && text[i + 1] == '\'') {
            out += '\'';
            ++i;
            continue;
          }
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < text.size()) {
          const char next = text[++i];
          if (next != '"' && next != '\\' && next != '/')
            return error(number, fmt::format("unsupported escape '\\{}'", next),
                         "write the value without quotes, or in 'single quotes'");
          out += next;
          continue;
        }
        if (quote == '"' && c == '"') {
          closed = true;
          break;
        }
        out += c;
      }
      if (!closed) return error(number, "a quoted value is not closed on its line");
      end = i + 1;
    } else {
      if (text[0] == '|' || text[0] == '>' || text[0] == '[' || text[0] == '{' || text[0] == '&' ||
          text[0] == '*' || text[0] == '!')
        return error(number, "sonde reads only plain or quoted one-line values here", kExample);
      // A comment starts at " #".
      end = text.size();
      for (size_t i = 1; i < text.size(); ++i) {
        if (text[i] == '#' && text[i - 1] == ' ') {
          end = i;
          break;
        }
      }
      out = std::string(text.substr(0, end));
      while (!out.empty() && out.back() == ' ') out.pop_back();
      return out;
    }
    const std::string_view after = text.substr(end);
    const size_t more = after.find_first_not_of(' ');
    if (more != std::string_view::npos && after[more] != '#')
      return error(number, "text after a quoted value");
    return out;
  }

  std::string_view text_;
  std::string path_;
};

std::string relative_to(const std::string& file, const std::string& config_path) {
  if (file.empty() || file[0] == '/') return file;
  const size_t slash = config_path.rfind('/');
  if (slash == std::string::npos) return file;
  return config_path.substr(0, slash + 1) + file;
}

bool looks_like_bcrypt(const std::string& hash) {
  return hash.size() == 60 &&
         (hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"));
}

}  // namespace

Result<WebConfig> parse_web_config(std::string_view text, const std::string& path) {
  const Reader reader(text, path);
  auto lines = reader.lines();
  if (!lines) return lines.error();
  WebConfig config;
  std::string section;
  size_t section_line = 0;
  size_t child_indent = 0;
  bool tls_section = false;
  std::vector<std::string> seen;
  for (const Line& line : *lines) {
    if (line.indent == 0) {
      if (std::find(seen.begin(), seen.end(), line.key) != seen.end())
        return reader.error(line.number, fmt::format("'{}' is given twice", line.key));
      seen.push_back(line.key);
      if (line.key != "tls_server_config" && line.key != "basic_auth_users") {
        return reader.error(line.number, fmt::format("sonde does not support '{}'", line.key),
                            "sonde reads tls_server_config (cert_file, key_file, min_version) and "
                            "basic_auth_users");
      }
      if (line.has_value)
        return reader.error(line.number, fmt::format("'{}' holds keys, not a value", line.key),
                            kExample);
      section = line.key;
      section_line = line.number;
      child_indent = 0;
      tls_section |= section == "tls_server_config";
      continue;
    }
    if (section.empty()) return reader.error(line.number, "indented before any section", kExample);
    if (child_indent == 0) child_indent = line.indent;
    if (line.indent != child_indent)
      return reader.error(line.number, "the keys of one section must be indented alike");
    if (!line.has_value)
      return reader.error(line.number, fmt::format("'{}' has no value", line.key));
    if (section == "basic_auth_users") {
      for (const auto& [user, hash] : config.users) {
        if (user == line.key)
          return reader.error(line.number, fmt::format("user '{}' is given twice", line.key));
      }
      if (!looks_like_bcrypt(line.value)) {
        return reader.error(line.number,
                            fmt::format("the password of '{}' is not a bcrypt hash", line.key),
                            "give a bcrypt hash ($2y$..., 60 characters), e.g. from "
                            "`htpasswd -nBC 10 USER` (apache2-utils) or `mkpasswd -m bcrypt`");
      }
      config.users.emplace_back(line.key, line.value);
    } else if (line.key == "cert_file") {
      config.cert_file = relative_to(line.value, path);
    } else if (line.key == "key_file") {
      config.key_file = relative_to(line.value, path);
    } else if (line.key == "min_version") {
      if (line.value != "TLS12" && line.value != "TLS13")
        return reader.error(line.number,
                            fmt::format("min_version '{}' is not TLS12 or TLS13", line.value));
      config.tls13_only = line.value == "TLS13";
    } else {
      return reader.error(line.number,
                          fmt::format("sonde does not support tls_server_config's '{}'", line.key),
                          "sonde reads cert_file, key_file and min_version; client "
                          "certificates and cipher choices are not supported");
    }
  }
  if (tls_section && (config.cert_file.empty() || config.key_file.empty())) {
    return reader.error(section_line, "tls_server_config needs both cert_file and key_file",
                        kExample);
  }
  return config;
}

Result<WebConfig> read_web_config(const std::string& path) {
  auto text = read_user_file(path, kMaxWebConfigBytes);
  if (!text) return Error{text.error().message, "give --web-config a readable YAML file"};
  auto config = parse_web_config(*text, path);
  if (!config) return config.error();
  for (const std::string* file : {&config->cert_file, &config->key_file}) {
    if (file->empty()) continue;
    if (access(file->c_str(), R_OK) != 0)
      return Error{fmt::format("{}: cannot read {}: {}", path, *file, std::strerror(errno)),
                   "relative paths are read from the web config file's directory"};
  }
  return config;
}

}  // namespace sonde::exporter

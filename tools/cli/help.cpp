#include "tools/cli/help.h"

#include <fmt/format.h>

#include <string>

namespace sonde::cli {
namespace {

constexpr size_t kWidth = 88;

// `text` broken into lines of at most `width` columns, each after `indent` spaces.
std::string wrap(std::string_view text, size_t indent, size_t width = kWidth) {
  std::string out, line;
  size_t at = 0;
  auto flush = [&] {
    if (!line.empty()) out += std::string(indent, ' ') + line + '\n';
    line.clear();
  };
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(at, end - at);
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) flush();
    if (!line.empty()) line += ' ';
    line += word;
    at = end + 1;
  }
  flush();
  return out;
}

std::string flag_spelling(const Flag& f) {
  std::string s = f.alias.empty() ? std::string(f.name) : fmt::format("{}, {}", f.alias, f.name);
  if (!f.value.empty()) s += fmt::format(" {}", f.value);
  return s;
}

std::string usage_line(const Program& p, const Command& c) {
  std::string line = std::string(p.name);
  if (!c.name.empty()) line += fmt::format(" {}", c.name);
  if (!c.operands.empty()) line += fmt::format(" {}", c.operands);
  if (!c.flags.empty()) line += " [OPTIONS]";
  return line;
}

// roff escapes: backslashes and minus signs, and a leading dot or quote.
std::string roff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string roff_flag(const Flag& f) {
  std::string s = ".TP\n\\fB" + roff(f.alias.empty() ? f.name : f.alias) + "\\fR";
  if (!f.alias.empty()) s += ", \\fB" + roff(f.name) + "\\fR";
  if (!f.value.empty()) s += " \\fI" + roff(f.value) + "\\fR";
  return s + "\n" + roff(f.help) + "\n";
}

std::string flag_words(const Command& c) {
  std::string words;
  for (const Flag& f : c.flags) {
    words += fmt::format("{} ", f.name);
    if (!f.alias.empty()) words += fmt::format("{} ", f.alias);
  }
  if (!words.empty()) words.pop_back();
  return words;
}

std::string value_flags(const Command& c, std::string_view completes) {
  std::string flags;
  for (const Flag& f : c.flags) {
    if (f.value.empty() || f.completes != completes) continue;
    flags += fmt::format("{}|", f.name);
    if (!f.alias.empty()) flags += fmt::format("{}|", f.alias);
  }
  if (!flags.empty()) flags.pop_back();
  return flags;
}

// A zsh _arguments spec for one flag.
std::string zsh_flag(const Flag& f) {
  auto escape = [](std::string_view text) {
    std::string out;
    for (char c : text) {
      if (c == '[' || c == ']' || c == ':' || c == '\\') out += '\\';
      if (c == '\'') {
        out += "'\\''";
        continue;
      }
      out += c;
    }
    return out;
  };
  std::string names = f.alias.empty() ? fmt::format("'{}", f.name)
                                      : fmt::format("'({0} {1})'{{{0},{1}}}'", f.alias, f.name);
  std::string spec = fmt::format("{}[{}]", names, escape(f.help));
  if (!f.value.empty()) {
    std::string action = f.completes == "file"       ? "_files"
                         : f.completes == "duration" ? "(1s 5s 10s 30s 1m 5m)"
                         : f.completes == "format"   ? "(text json)"
                                                     : " ";
    spec += fmt::format(":{}:{}", escape(f.value), action);
  }
  return spec + "'";
}

std::string zsh_operands(const Command& c) {
  if (c.completes == "file") return "'*:file:_files'";
  if (c.completes == "bundle") return "'*:bundle:_files -g \"*.bundle\"'";
  if (c.completes == "probe") return "'1:probe:_sonde_probes'";
  return "";
}

std::string indented_lines(std::string_view text) {
  std::string out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    out += fmt::format("  {}\n", text.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

}  // namespace

std::string program_help(const Program& p) {
  if (p.commands.size() == 1 && p.commands[0].name.empty()) return command_help(p, p.commands[0]);
  std::string out =
      fmt::format("usage: {} COMMAND [OPTIONS]\n\n{}\n\ncommands:\n", p.name, p.summary);
  size_t width = 0;
  for (const auto& c : p.commands) width = std::max(width, c.name.size() + 1 + c.operands.size());
  for (const auto& c : p.commands) {
    out +=
        fmt::format("  {:<{}}  {}\n", fmt::format("{} {}", c.name, c.operands), width, c.summary);
  }
  out += fmt::format(
      "\n`{} COMMAND --help` describes a command's options; `{} --version` "
      "prints the version.\n",
      p.name, p.name);
  if (!p.examples.empty()) out += "\nexamples:\n" + indented_lines(p.examples);
  return out;
}

std::string command_help(const Program& p, const Command& c) {
  std::string out = fmt::format("usage: {}\n\n", usage_line(p, c));
  std::string about =
      c.name.empty()
          ? std::string(p.description)
          : fmt::format("{}{}{}", c.summary, c.description.empty() ? "" : ". ", c.description);
  out += wrap(about, 0);
  if (!c.flags.empty()) {
    out += "\noptions:\n";
    size_t width = 0;
    for (const Flag& f : c.flags) width = std::max(width, flag_spelling(f).size());
    for (const Flag& f : c.flags) {
      std::string first = fmt::format("  {:<{}}  ", flag_spelling(f), width);
      std::string help = wrap(f.help, first.size());
      out += first + help.substr(first.size());
    }
  }
  if (c.name.empty() && !p.examples.empty()) out += "\nexamples:\n" + indented_lines(p.examples);
  return out;
}

std::string man_page(const Program& p, std::string_view version) {
  std::string upper;
  for (char c : p.name) upper += static_cast<char>(c == '-' ? '-' : std::toupper(c));
  std::string out = fmt::format(".TH {} 1 \"\" \"{} {}\" \"User Commands\"\n", roff(upper),
                                roff(p.name), roff(version));
  out += fmt::format(".SH NAME\n{} \\- {}\n", roff(p.name), roff(p.summary));
  out += ".SH SYNOPSIS\n";
  for (const auto& c : p.commands) out += fmt::format(".B {}\n.br\n", roff(usage_line(p, c)));
  out += fmt::format(".SH DESCRIPTION\n{}\n", roff(p.description));
  const bool single = p.commands.size() == 1 && p.commands[0].name.empty();
  out += single ? ".SH OPTIONS\n" : ".SH COMMANDS\n";
  for (const auto& c : p.commands) {
    if (!single) {
      out += fmt::format(".SS \"{} {}\"\n{}", roff(c.name), roff(c.operands), roff(c.summary));
      out += c.description.empty() ? ".\n" : fmt::format(". {}\n", roff(c.description));
    }
    for (const Flag& f : c.flags) out += roff_flag(f);
  }
  if (!single) {
    out += ".TP\n\\fB\\-\\-version\\fR\nprint the version and exit\n";
  }
  if (!p.examples.empty()) out += fmt::format(".SH EXAMPLES\n.nf\n{}\n.fi\n", roff(p.examples));
  return out;
}

std::string bash_completion(const Program& p) {
  const std::string fn = "_" + std::string(p.name);
  std::string out = fmt::format(
      "# bash completion for {0}, generated from its command table (tools/cli/commands.cpp).\n"
      "# Probe names come from `sonde list`, so they are this machine's.\n"
      "_sonde_probe_names() {{\n"
      "  sonde list \"$1\" 2>/dev/null | grep -v '^ '\n"
      "}}\n"
      "{1}() {{\n"
      "  local cur=\"${{COMP_WORDS[COMP_CWORD]}}\" prev=\"${{COMP_WORDS[COMP_CWORD-1]}}\"\n"
      "  # Words are split at ':' (COMP_WORDBREAKS): complete whole probe names, then\n"
      "  # offer only what follows the last colon the shell already split off.\n"
      "  local word=\"${{COMP_LINE:0:COMP_POINT}}\"\n"
      "  word=\"${{word##*[ \\\"\\']}}\"\n"
      "  local command=\"\" i\n",
      p.name, fn);
  const bool single = p.commands.size() == 1 && p.commands[0].name.empty();
  if (!single) {
    std::string names;
    for (const auto& c : p.commands) names += fmt::format("{} ", c.name);
    out += fmt::format(
        "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
        "    case \"${{COMP_WORDS[i]}}\" in -*) ;; *) command=\"${{COMP_WORDS[i]}}\"; break ;; "
        "esac\n"
        "  done\n"
        "  if [[ -z $command ]]; then\n"
        "    COMPREPLY=($(compgen -W \"{}--help --version\" -- \"$cur\"))\n"
        "    return\n"
        "  fi\n",
        names);
  }
  const std::string probe_names =
      "      local names=($(compgen -W \"$(_sonde_probe_names \"$word\")\" -- \"$word\"))\n"
      "      local split=\"${word%\"$cur\"}\"\n"
      "      COMPREPLY=(\"${names[@]#\"$split\"}\")\n";
  out += "  case \"$command\" in\n";
  for (const auto& c : p.commands) {
    out += fmt::format("    \"{}\")\n", c.name);
    // In a program being typed (-e 'on tracepoint:sch'), a word with a colon is a probe.
    bool takes_program = false;
    for (const Flag& f : c.flags) takes_program |= f.name == "--expr";
    if (takes_program) {
      out += "      if [[ $word == *:* ]]; then\n" + probe_names + "        return\n      fi\n";
    }
    auto complete_values = [&](std::string_view kind, std::string_view action) {
      std::string flags = value_flags(c, kind);
      if (!flags.empty())
        out += fmt::format("      case \"$prev\" in {}) {}; return ;; esac\n", flags, action);
    };
    complete_values("file", "COMPREPLY=($(compgen -f -- \"$cur\"))");
    complete_values("duration", "COMPREPLY=($(compgen -W \"1s 5s 10s 30s 1m 5m\" -- \"$cur\"))");
    complete_values("format", "COMPREPLY=($(compgen -W \"text json\" -- \"$cur\"))");
    std::string other = value_flags(c, "");
    if (!other.empty()) out += fmt::format("      case \"$prev\" in {}) return ;; esac\n", other);
    out += fmt::format(
        "      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"{}\" -- \"$cur\")); return; "
        "fi\n",
        flag_words(c));
    if (c.completes == "file") {
      out += "      COMPREPLY=($(compgen -f -- \"$cur\"))\n";
    } else if (c.completes == "bundle") {
      out +=
          "      COMPREPLY=($(compgen -f -X '!*.bundle' -- \"$cur\") $(compgen -d -- \"$cur\"))\n";
    } else if (c.completes == "probe") {
      out += probe_names;
    }
    out += "      ;;\n";
  }
  out += "  esac\n}\n";
  out += fmt::format("complete -F {} {}\n", fn, p.name);
  return out;
}

std::string zsh_completion(const Program& p) {
  const std::string fn = "_" + std::string(p.name);
  std::string out = fmt::format(
      "#compdef {0}\n"
      "# zsh completion for {0}, generated from its command table (tools/cli/commands.cpp).\n"
      "# Probe names come from `sonde list`, so they are this machine's.\n"
      "_sonde_probes() {{\n"
      "  local -a probes\n"
      "  probes=(${{(f)\"$(sonde list \"$PREFIX\" 2>/dev/null | grep -v '^ ')\"}})\n"
      "  compadd -a probes\n"
      "}}\n"
      "{1}() {{\n",
      p.name, fn);
  const bool single = p.commands.size() == 1 && p.commands[0].name.empty();
  auto arguments = [&](const Command& c, const char* indent) {
    std::string args = fmt::format("{}_arguments -s", indent);
    for (const Flag& f : c.flags) args += fmt::format(" \\\n{}  {}", indent, zsh_flag(f));
    std::string operands = zsh_operands(c);
    if (!operands.empty()) args += fmt::format(" \\\n{}  {}", indent, operands);
    return args + "\n";
  };
  if (single) {
    out += arguments(p.commands[0], "  ");
  } else {
    out += "  local -a commands\n  commands=(\n";
    for (const auto& c : p.commands) {
      // Single-quoted: a quote in the summary ("the program's SLOs") closes and reopens.
      std::string summary;
      for (char ch : c.summary) summary += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
      out += fmt::format("    '{}:{}'\n", c.name, summary);
    }
    out +=
        "  )\n"
        "  if (( CURRENT == 2 )); then\n"
        "    _describe 'command' commands\n"
        "    return\n"
        "  fi\n"
        "  shift words\n"
        "  (( CURRENT-- ))\n"
        "  case $words[1] in\n";
    for (const auto& c : p.commands) {
      out += fmt::format("    {})\n{}      ;;\n", c.name, arguments(c, "      "));
    }
    out += "  esac\n";
  }
  out += fmt::format("}}\n{} \"$@\"\n", fn);
  return out;
}

}  // namespace sonde::cli

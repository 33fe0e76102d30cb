// The command line as a user meets it: --help and --version on every command, the man
// pages as groff reads them, shell completions as bash runs them (probe names checked
// against the kernel's own list of tracepoints), and flags refused with a reason.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

std::string share(const std::string& file) { return build_dir() + "/share/" + file; }

TEST(Cli, EveryCommandHasHelp) {
  for (const char* command : {"run", "build", "check", "emit-c", "list", "repl"}) {
    Exit e = run_sonde({command, "--help"});
    EXPECT_EQ(e.code, 0) << command << ": " << e.err;
    EXPECT_EQ(e.out.rfind(std::string("usage: sonde ") + command, 0), 0u) << e.out;
    EXPECT_NE(e.out.find("-h, --help"), std::string::npos) << e.out;
  }
  Exit top = run_sonde({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_NE(top.out.find("commands:"), std::string::npos);
}

TEST(Cli, BothBinariesSayTheirVersion) {
  Exit sonde = run_sonde({"--version"});
  EXPECT_EQ(sonde.code, 0);
  EXPECT_EQ(sonde.out.rfind("sonde ", 0), 0u) << sonde.out;
  const std::string agent = shell(build_dir() + "/sonde-agent --version");
  EXPECT_EQ(agent.rfind("sonde-agent ", 0), 0u) << agent;
  const std::string agent_help = shell(build_dir() + "/sonde-agent --help");
  EXPECT_NE(agent_help.find("--drop-capabilities"), std::string::npos) << agent_help;
}

TEST(Cli, AnIntervalTooShortToReadIsRefused) {
  Exit e = run_sonde({"run", "-e", "on tracepoint:sched:sched_switch count", "--interval", "1ns"});
  EXPECT_EQ(e.code, 2);
  EXPECT_EQ(e.err, "sonde run: --interval must be at least 100ms, not 1ns\n");
}

// groff itself reads the pages: -ww enables every warning, -z discards the output.
// A kind narrows `sonde list` without changing what the word matches: `tracepoint:tcp`
// lists the tracepoints `tcp` lists, which are the kernel's tracepoints with "tcp"
// anywhere in category:name (tracefs's available_events).
TEST(Cli, ListWithAKindMatchesTheWordAsWithout) {
  std::vector<std::string> kernel;
  std::ifstream events("/sys/kernel/tracing/available_events");
  for (std::string line; std::getline(events, line);) {
    if (line.find("tcp") != std::string::npos) kernel.push_back("tracepoint:" + line);
  }
  ASSERT_FALSE(kernel.empty()) << "no tcp tracepoints in tracefs";
  auto names = [](const std::string& out, bool tracepoints_only) {
    std::vector<std::string> lines;
    for (size_t at = 0, end; (end = out.find('\n', at)) != std::string::npos; at = end + 1) {
      std::string line = out.substr(at, end - at);
      line = line.substr(0, line.find("  "));
      if (line.empty() || line[0] == ' ') continue;
      if (!tracepoints_only || line.starts_with("tracepoint:")) lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  std::sort(kernel.begin(), kernel.end());
  Exit word = run_sonde({"list", "tcp"});
  Exit kind = run_sonde({"list", "tracepoint:tcp"});
  ASSERT_EQ(word.code, 0) << word.err;
  ASSERT_EQ(kind.code, 0) << kind.err;
  EXPECT_EQ(names(kind.out, false), kernel) << kind.out;
  EXPECT_EQ(names(word.out, true), kernel) << word.out;
}

TEST(Cli, ManPagesAreCleanForGroff) {
  if (access("/usr/bin/groff", X_OK) != 0)
    GTEST_SKIP() << "groff is not installed (package groff-base)";
  for (const char* page : {"sonde.1", "sonde-agent.1"}) {
    int code = -1;
    const std::string warnings = shell("groff -man -Tutf8 -ww -z " + share(page) + " 2>&1", &code);
    EXPECT_EQ(code, 0) << page;
    EXPECT_EQ(warnings, "") << page;
  }
  const std::string text = shell("groff -man -Tutf8 " + share("sonde.1") + " 2>/dev/null | col -b");
  EXPECT_NE(text.find("--interval"), std::string::npos) << text;
}

// Runs bash's completion function as bash would: the line split at COMP_WORDBREAKS
// (which holds ':', so a probe name arrives in pieces).
std::string complete(const std::string& line) {
  const std::string script = ::testing::TempDir() + "/complete-" + std::to_string(getpid()) + ".sh";
  std::ofstream(script) << "source " << share("sonde.bash") << R"(
COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(); w=''
for ((i = 0; i < ${#COMP_LINE}; i++)); do
  c=${COMP_LINE:i:1}
  if [[ $c == ' ' ]]; then COMP_WORDS+=("$w"); w=''
  elif [[ $c == ':' ]]; then COMP_WORDS+=("$w" ':'); w=''
  else w+=$c; fi
done
COMP_WORDS+=("$w"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_sonde
printf '%s\n' "${COMPREPLY[@]}"
)";
  return shell("PATH=" + build_dir() + ":$PATH bash " + script + " '" + line + "'");
}

TEST(Cli, BashCompletesCommandsFlagsAndProbes) {
  EXPECT_EQ(complete("sonde r"), "run\nrules\nrepl\n");
  EXPECT_EQ(complete("sonde run --fo"), "--format\n");
  EXPECT_EQ(complete("sonde run --format "), "text\njson\n");
  // Probe names, from this machine: what tracefs lists for the sched category.
  std::string expected;
  for (const auto& e : std::filesystem::directory_iterator("/sys/kernel/tracing/events/sched")) {
    const std::string name = e.path().filename();
    if (e.is_directory() && name.rfind("sched_sw", 0) == 0) expected += name + "\n";
  }
  ASSERT_FALSE(expected.empty());
  std::string got = complete("sonde list tracepoint:sched:sched_sw");
  // Order aside: compare as sorted lines.
  auto sorted = [](std::string text) {
    std::vector<std::string> lines;
    for (size_t at = 0, end; (end = text.find('\n', at)) != std::string::npos; at = end + 1)
      lines.push_back(text.substr(at, end - at));
    std::sort(lines.begin(), lines.end());
    return lines;
  };
  EXPECT_EQ(sorted(got), sorted(expected));
}

TEST(Cli, ZshCompletionParses) {
  if (access("/usr/bin/zsh", X_OK) != 0) GTEST_SKIP() << "zsh is not installed (package zsh)";
  for (const char* file : {"_sonde", "_sonde-agent"}) {
    int code = -1;
    const std::string out = shell("zsh -n " + share(file) + " 2>&1", &code);
    EXPECT_EQ(code, 0) << file << ": " << out;
  }
}

}  // namespace
}  // namespace sonde::e2e

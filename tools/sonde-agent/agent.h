// sonde-agent's steps between its command line and the run loop: read bundles, start
// their programs (strict or not), describe them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/session/session.h"
#include "runtime/spec/bundle.h"
#include "runtime/spec/signature.h"

namespace sonde::agent {

struct LoadedBundle {
  std::string path;
  spec::Bundle bundle;
};

struct Started {
  std::vector<std::unique_ptr<session::Session>> sessions;
  std::vector<spec::Probe> not_started;  // probes of programs that could not load at all
  size_t probes = 0;                     // probes in every bundle
  size_t attached = 0;
};

// Reads every bundle before anything reaches the kernel, so a bad one attaches nothing:
// its signature when keys are trusted (spec::check_trusted), then every field of every
// program against its limits and its BPF object (spec/validate.h). Prints the error and
// returns false on the first bad bundle. `--check` and loading both go through here.
bool read_bundles(const std::vector<std::string>& paths, std::span<const spec::SigningKey> trusted,
                  std::vector<LoadedBundle>& out);

// Strict: every probe attaches or the agent does not start (false, error printed, nothing
// left attached). Otherwise what can run does and a warning names each probe that did
// not; false only when nothing at all could be attached.
bool start(std::vector<LoadedBundle>& bundles, const session::Options& options, Started& out);

// What `--check` prints: each bundle's programs, probes and metrics.
std::string describe(const std::vector<LoadedBundle>& bundles);

void print_error(const Error& e, const char* severity = "error");

}  // namespace sonde::agent

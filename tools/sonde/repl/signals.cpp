#include "tools/sonde/repl/signals.h"

#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace sonde::repl {
namespace {

std::atomic<bool> interrupted{false};
std::atomic<bool> resized{false};
std::atomic<bool> stopping{false};

void on_signal(int sig) {
  if (sig == SIGINT)
    interrupted = true;
  else if (sig == SIGWINCH)
    resized = true;
  else
    stopping = true;
}

sigset_t repl_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGWINCH}) sigaddset(&set, sig);
  return set;
}

}  // namespace

void install_signal_handlers() {
  struct sigaction action = {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGWINCH}) sigaction(sig, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a scraper hanging up must not end the REPL
}

void block_repl_signals(bool block) {
  sigset_t set = repl_signals();
  pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

bool take_interrupt() { return interrupted.exchange(false); }
bool take_resize() { return resized.exchange(false); }
bool stop_requested() { return stopping.load(); }

}  // namespace sonde::repl

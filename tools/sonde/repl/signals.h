// The REPL's signals. Ctrl-C stops what is running (a watch, the line being typed),
// never the REPL; SIGTERM and SIGHUP end it as Ctrl-D does (everything detached);
// SIGWINCH tells the line editor the terminal changed size.
#pragma once

namespace sonde::repl {

// Installs the handlers, without SA_RESTART: a blocking read returns EINTR, so the
// code waiting in it notices.
void install_signal_handlers();

// Blocks (or unblocks) these signals in the calling thread. Block before starting a
// thread that must not receive them (threads inherit the mask), unblock after.
void block_repl_signals(bool block);

bool take_interrupt();  // Ctrl-C since the last call
bool take_resize();     // SIGWINCH since the last call
bool stop_requested();  // SIGTERM or SIGHUP: detach everything and exit

}  // namespace sonde::repl

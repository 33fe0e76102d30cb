#include "tools/sonde/repl/line_editor.h"

#include <fmt/format.h>
#include <histedit.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cwchar>

#include "tools/sonde/repl/signals.h"

namespace sonde::repl {
namespace {

constexpr int kHistorySize = 1000;
constexpr size_t kMaxListed = 200;  // candidates printed on one TAB

// Candidates in columns, as shells list them.
std::string columns(const std::vector<std::string>& items) {
  size_t shown = std::min(items.size(), kMaxListed);
  size_t width = 0;
  for (size_t i = 0; i < shown; ++i) width = std::max(width, items[i].size());
  width += 2;
  size_t per_line = std::max<size_t>(1, terminal_width() / width);
  size_t rows = (shown + per_line - 1) / per_line;
  std::string out;
  for (size_t r = 0; r < rows; ++r) {
    for (size_t c = 0; c < per_line; ++c) {
      size_t i = c * rows + r;
      if (i < shown) out += fmt::format("{:<{}}", items[i], c + 1 < per_line ? width : 0);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  }
  if (items.size() > shown)
    out += fmt::format("... and {} more: type a few more letters\n", items.size() - shown);
  return out;
}

}  // namespace

struct LineEditor::Impl {
  EditLine* el = nullptr;
  History* hist = nullptr;
  std::string history_path;
  Completer completer;
  std::string prompt;
  bool interrupted = false;

  static Impl* of(EditLine* el) {
    void* data = nullptr;
    el_get(el, EL_CLIENTDATA, &data);
    return static_cast<Impl*>(data);
  }

  static char* prompt_of(EditLine* el) { return of(el)->prompt.data(); }

  // Reads one character. Signals interrupt the read: Ctrl-C and a stop request end the
  // line (el_gets then returns NULL), a resize is passed on and the read resumes.
  static int get_char(EditLine* el, wchar_t* out) {
    Impl* self = of(el);
    mbstate_t state{};
    for (;;) {
      char c;
      ssize_t n = ::read(STDIN_FILENO, &c, 1);
      if (n == 1) {
        wchar_t w;
        size_t used = std::mbrtowc(&w, &c, 1, &state);
        if (used == static_cast<size_t>(-2)) continue;  // more bytes of this character
        *out = used == static_cast<size_t>(-1) ? static_cast<wchar_t>(static_cast<unsigned char>(c))
                                               : w;
        return 1;
      }
      if (n == 0) return 0;
      if (errno != EINTR) return -1;
      if (take_resize()) el_resize(el);
      if (stop_requested()) return -1;
      if (take_interrupt()) {
        self->interrupted = true;
        errno = EINTR;
        return -1;
      }
    }
  }

  static unsigned char on_tab(EditLine* el, int) {
    Impl* self = of(el);
    const LineInfo* line = el_line(el);
    std::string before(line->buffer, static_cast<size_t>(line->cursor - line->buffer));
    Completion c = self->completer(before);
    if (c.candidates.empty()) return CC_REFRESH_BEEP;
    std::string typed = before.substr(std::min(c.start, before.size()));
    std::string prefix = common_prefix(c.candidates);
    std::string insert = prefix.size() > typed.size() ? prefix.substr(typed.size()) : "";
    if (c.candidates.size() == 1 && !prefix.empty() &&
        std::string_view(":(/").find(prefix.back()) == std::string_view::npos)
      insert += ' ';
    if (!insert.empty()) {
      el_insertstr(el, insert.c_str());
      return CC_REFRESH;
    }
    fmt::print("\n{}", columns(c.candidates));
    fflush(stdout);
    return CC_REDISPLAY;
  }

  void save_history() {
    if (history_path.empty()) return;
    HistEvent ev;
    history(hist, &ev, H_SAVE, history_path.c_str());
  }
};

LineEditor::LineEditor(std::string history_path, Completer completer)
    : impl_(std::make_unique<Impl>()) {
  impl_->history_path = std::move(history_path);
  impl_->completer = std::move(completer);
  impl_->hist = history_init();
  HistEvent ev;
  history(impl_->hist, &ev, H_SETSIZE, kHistorySize);
  history(impl_->hist, &ev, H_SETUNIQUE, 1);
  if (!impl_->history_path.empty()) history(impl_->hist, &ev, H_LOAD, impl_->history_path.c_str());

  EditLine* el = el_init("sonde", stdin, stdout, stderr);
  impl_->el = el;
  el_set(el, EL_CLIENTDATA, impl_.get());
  el_set(el, EL_EDITOR, "emacs");
  el_set(el, EL_PROMPT, &Impl::prompt_of);
  el_set(el, EL_HIST, history, impl_->hist);
  el_set(el, EL_GETCFN, &Impl::get_char);
  // The wide form: el_set() copies the name and help with wcsdup() and never frees them.
  el_wset(el, EL_ADDFN, L"sonde-complete", L"complete the word before the cursor", &Impl::on_tab);
  el_set(el, EL_BIND, "^I", "sonde-complete", nullptr);
  el_source(el, nullptr);  // the user's ~/.editrc, if any
}

LineEditor::~LineEditor() {
  if (impl_->el != nullptr) el_end(impl_->el);
  if (impl_->hist != nullptr) history_end(impl_->hist);
}

ReadResult LineEditor::read_line(const std::string& prompt) {
  impl_->prompt = prompt;
  impl_->interrupted = false;
  take_interrupt();
  int count = 0;
  const char* text = el_gets(impl_->el, &count);
  if (stop_requested()) return {};
  if (text == nullptr) {
    if (!impl_->interrupted) {
      fmt::print("\n");  // Ctrl-D: end the prompt's line
      return {};
    }
    fmt::print("^C\n");
    fflush(stdout);
    return {ReadStatus::kInterrupted, {}};
  }
  std::string line(text, static_cast<size_t>(count));
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (!line.empty()) {
    HistEvent ev;
    history(impl_->hist, &ev, H_ENTER, line.c_str());
    impl_->save_history();
  }
  return {ReadStatus::kLine, std::move(line)};
}

bool LineEditor::wait_for_key(std::chrono::milliseconds timeout) {
  return wait_for_input(STDIN_FILENO, timeout, true);
}

}  // namespace sonde::repl

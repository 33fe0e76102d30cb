// What a check returns: accepted, or rejected through the error that says why.
#pragma once

#include <cassert>
#include <utility>

#include "compiler/ast/diagnostics.h"

namespace sonde::sema {

// A rejected Verdict is made only from the ast::Rejection that Diagnostics::reject()
// returns with the error it adds (or copied from another rejected Verdict), so no path
// of the checker can drop a statement without a diagnostic: the guard that used to
// catch silent rejections at run time cannot fire. Its value is not to be ignored.
class [[nodiscard]] Verdict {
 public:
  Verdict(ast::Rejection) {}  // implicit, so that a check says `return diags.reject(...)`
  static Verdict accepted() { return Verdict(true); }
  explicit operator bool() const { return ok_; }

 private:
  explicit Verdict(bool ok) : ok_(ok) {}
  bool ok_ = false;
};

inline Verdict accepted() { return Verdict::accepted(); }

// A checked value, or the rejection that said why there is none.
template <typename T>
class [[nodiscard]] Checked {
 public:
  Checked(T value) : value_(std::move(value)), verdict_(Verdict::accepted()) {}
  Checked(ast::Rejection r) : verdict_(r) {}
  // A rejection passed on from a check this one made, right after `if (!verdict)`.
  static Checked rejected(Verdict verdict) {
    assert(!verdict);
    return Checked(verdict);
  }

  explicit operator bool() const { return static_cast<bool>(verdict_); }
  Verdict verdict() const { return verdict_; }
  T& operator*() { return value_; }
  const T& operator*() const { return value_; }
  T* operator->() { return &value_; }

 private:
  explicit Checked(Verdict v) : verdict_(v) {}
  T value_{};
  Verdict verdict_;
};

}  // namespace sonde::sema

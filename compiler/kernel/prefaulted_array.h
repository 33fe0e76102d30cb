// A fixed-size, zero-filled array in anonymous memory mapped with MAP_POPULATE.
// In this VM every first touch of a fresh page costs ~10 us; the BTF indexes span
// hundreds of pages, and populating them in one mmap call is ~5x cheaper than
// faulting them in one by one (measured: 3 MB in ~1.5 ms instead of ~7.5 ms).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace sonde::kernel {

template <typename T>
class PrefaultedArray {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);

 public:
  PrefaultedArray() = default;
  explicit PrefaultedArray(size_t count) : size_(count) {
    if (count == 0) return;
    void* p = mmap(nullptr, bytes(), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    // Zero pages from mmap are valid objects of an implicit-lifetime type.
    data_ = static_cast<T*>(p);
  }
  ~PrefaultedArray() { reset(); }
  PrefaultedArray(PrefaultedArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  PrefaultedArray& operator=(PrefaultedArray&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  PrefaultedArray(const PrefaultedArray&) = delete;
  PrefaultedArray& operator=(const PrefaultedArray&) = delete;

  // Keeps the first `count` elements and returns the whole pages after them.
  void shrink(size_t count) {
    if (count >= size_) return;
    static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t keep = (count * sizeof(T) + page - 1) / page * page;
    size_t mapped = (bytes() + page - 1) / page * page;
    if (keep < mapped) munmap(reinterpret_cast<char*>(data_) + keep, mapped - keep);
    if (count == 0) data_ = nullptr;
    size_ = count;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t bytes() const { return size_ * sizeof(T); }

 private:
  void reset() {
    if (data_ != nullptr) munmap(data_, bytes());
    data_ = nullptr;
    size_ = 0;
  }

  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace sonde::kernel

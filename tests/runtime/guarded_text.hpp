// Text placed at the very end of a readable page, followed by a page that
// cannot be read: a parser that reads one byte past the end of its
// string_view crashes (SIGSEGV) instead of silently reading the next byte,
// so a regression test for an over-read fails without a sanitizer.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <string_view>

namespace sc::test {

class guarded_text {
 public:
  explicit guarded_text(std::string_view text) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    if (text.size() > page_) throw std::length_error("guarded_text: text longer than a page");
    void* p = mmap(nullptr, 2 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("guarded_text: mmap failed");
    base_ = static_cast<char*>(p);
    mprotect(base_ + page_, page_, PROT_NONE);
    char* start = base_ + page_ - text.size();
    std::memcpy(start, text.data(), text.size());
    view_ = std::string_view(start, text.size());
  }
  ~guarded_text() { munmap(base_, 2 * page_); }
  guarded_text(const guarded_text&) = delete;
  guarded_text& operator=(const guarded_text&) = delete;

  std::string_view view() const { return view_; }

 private:
  size_t page_ = 0;
  char* base_ = nullptr;
  std::string_view view_;
};

}  // namespace sc::test

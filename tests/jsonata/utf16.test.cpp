#include <catch2/catch.hpp>

#include "runtime/jsonata/utf16.hpp"

using namespace sc::jsonata;

TEST_CASE("UTF-16 lengths count an astral character twice", "[jsonata][utf16]") {
  CHECK(utf16::length("abc") == 3);
  CHECK(utf16::length("é") == 1);
  CHECK(utf16::length("😀") == 2);
  CHECK(utf16::length("a😀b") == 4);
}

TEST_CASE("UTF-16 offsets translate to and from bytes", "[jsonata][utf16]") {
  std::string s = "a😀b";
  CHECK(utf16::byte_offset(s, 1) == 1);
  CHECK(utf16::byte_offset(s, 3) == 5);
  CHECK(utf16::byte_offset(s, 9) == s.size());
  CHECK(utf16::unit_offset(s, 5) == 3);
}

TEST_CASE("Slicing through a surrogate pair keeps the halves as WTF-8", "[jsonata][utf16]") {
  std::string hi = utf16::slice("😀", 0, 1);
  std::string lo = utf16::slice("😀", 1, 2);
  CHECK(hi == "\xED\xA0\xBD");
  CHECK(lo == "\xED\xB8\x80");
  CHECK(utf16::from_u16(utf16::to_u16(hi + lo)) == "😀");
  CHECK(utf16::slice("a😀b", 1, 4) == "😀b");
}

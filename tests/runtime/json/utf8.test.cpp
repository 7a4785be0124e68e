// Text from outside must be UTF-8: a stored invalid byte breaks every client
// that lists it afterwards (boto3 raises UnicodeDecodeError).
#include "runtime/json/json.hpp"

#include <catch2/catch.hpp>

using namespace sc;

TEST_CASE("valid_utf8 follows RFC 3629") {
  CHECK(json::valid_utf8("plain ascii"));
  CHECK(json::valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  size_t at = 99;
  CHECK_FALSE(json::valid_utf8("bad\xffname", &at));
  CHECK(at == 3);
  CHECK_FALSE(json::valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(json::valid_utf8("\xe0\x80\xaf"));      // overlong
  CHECK_FALSE(json::valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  CHECK_FALSE(json::valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(json::valid_utf8("\xe2\x82"));          // truncated
  CHECK_FALSE(json::valid_utf8("\x80"));              // lone continuation
}

TEST_CASE("parse_untrusted refuses invalid UTF-8, raw or escaped") {
  json::document d;
  std::string err;
  CHECK_FALSE(json::parse_untrusted("{\"name\":\"bad\xffname\"}", d, &err));
  CHECK(err.find("0xff") != std::string::npos);
  CHECK_FALSE(json::parse_untrusted(R"({"name":"bad\udc00name"})", d, &err));
  CHECK_FALSE(json::parse_untrusted(R"({"bad\ud800":1})", d, &err));
  CHECK(json::parse_untrusted(R"({"name":"ok\ud83d\ude00","n":"a\u0000b"})", d, &err));
  CHECK(std::string(d["n"].GetString(), d["n"].GetStringLength()) == std::string("a\0b", 3));
}

// Task and page tokens: signed, and spelled exactly one way.
#include "runtime/model/task_token.hpp"

#include <catch2/catch.hpp>

using namespace sc::model;

TEST_CASE("base64url decodes only the canonical spelling") {
  CHECK(base64url_decode("QQ") == std::optional<std::string>("A"));
  // 'R' differs from 'Q' only in the low bits a one-byte group does not use.
  CHECK_FALSE(base64url_decode("QR"));
  CHECK(base64url_decode("QUI") == std::optional<std::string>("AB"));
  CHECK_FALSE(base64url_decode("QUJ"));  // unused low 2 bits set
  CHECK(base64url_decode("QUJD") == std::optional<std::string>("ABC"));
  CHECK_FALSE(base64url_decode("Q"));
  CHECK_FALSE(base64url_decode("QQ=="));
}

TEST_CASE("a token whose last character is changed no longer verifies") {
  token_codec codec("0123456789abcdef-secret");
  std::string tok = codec.encode(task_token{"arn:aws:states:us-east-1:123456789012:execution:m:e", 7});
  REQUIRE(codec.decode(tok));
  // Every other final character must be refused, including the ones that
  // decode to the same bytes (the signature is 16 bytes: 22 characters, the
  // last carrying 4 unused bits).
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  int accepted = 0;
  for (char c : alphabet) {
    if (c == tok.back()) continue;
    std::string t = tok;
    t.back() = c;
    if (codec.decode(t)) ++accepted;
  }
  CHECK(accepted == 0);
}

TEST_CASE("derived codecs: page tokens need the same secret and are not task tokens") {
  token_codec a("secret-number-one-aaaa"), b("secret-number-two-bbbb");
  auto pa = a.derived("page-token");
  std::string tok = pa.encode(task_token{"key", 0});
  CHECK(a.derived("page-token").decode(tok));
  CHECK_FALSE(b.derived("page-token").decode(tok));
  CHECK_FALSE(a.decode(tok));
  CHECK_FALSE(pa.decode(a.encode(task_token{"key", 0})));
}

// Task and page tokens: signed, and spelled exactly one way.
#include "runtime/model/task_token.hpp"

#include <catch2/catch.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

TEST_CASE("a ring of secrets: the newest signs, every one verifies, one HMAC per check") {
  const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:m:e";
  token_codec old_only("the-old-secret-0000");
  std::string old_tok = old_only.encode(task_token{arn, 3});

  token_codec ring(std::vector<std::string>{"the-new-secret-1111", "the-old-secret-0000"});
  auto t = ring.decode(old_tok);
  REQUIRE(t);
  CHECK(t->task_id == 3);
  CHECK(t->execution_arn == arn);
  std::string new_tok = ring.encode(task_token{arn, 3});
  CHECK(new_tok != old_tok);
  // The payload (first segment) does not depend on the secret.
  CHECK(new_tok.substr(0, new_tok.find('.')) == old_tok.substr(0, old_tok.find('.')));
  CHECK(token_codec("the-new-secret-1111").decode(new_tok));
  CHECK_FALSE(old_only.decode(new_tok));
  CHECK(ring.key_ids() == std::vector<std::string>{key_id_hex("the-new-secret-1111"),
                                                   key_id_hex("the-old-secret-0000")});

  // Retiring the old secret: its tokens no longer verify; replacing the ring
  // affects existing references (the node's codec is shared).
  const token_codec& shared = ring;
  ring.set_secrets({"the-new-secret-1111"});
  CHECK_FALSE(shared.decode(old_tok));
  CHECK(shared.decode(new_tok));

  // Page tokens follow the ring.
  token_codec two(std::vector<std::string>{"the-new-secret-1111", "the-old-secret-0000"});
  std::string page = old_only.derived("page-token").encode(task_token{"k", 0});
  CHECK(two.derived("page-token").decode(page));
  CHECK_FALSE(token_codec("the-new-secret-1111").derived("page-token").decode(page));
}

TEST_CASE("a token whose key id names another secret of the ring does not verify") {
  const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:m:e";
  token_codec a("secret-a-aaaaaaaaaa"), b("secret-b-bbbbbbbbbb");
  token_codec ring(std::vector<std::string>{"secret-a-aaaaaaaaaa", "secret-b-bbbbbbbbbb"});
  std::string ta = a.encode(task_token{arn, 1});
  std::string tb = b.encode(task_token{arn, 1});
  auto sa = *base64url_decode(ta.substr(ta.find('.') + 1));
  auto sb = *base64url_decode(tb.substr(tb.find('.') + 1));
  REQUIRE(sa.size() == 20);
  // b's key id with a's MAC.
  std::string forged = ta.substr(0, ta.find('.') + 1) + base64url_encode(sb.substr(0, 4) + sa.substr(4));
  CHECK(ring.decode(ta));
  CHECK(ring.decode(tb));
  CHECK_FALSE(ring.decode(forged));
}

TEST_CASE("tokens of the format before key ids still verify") {
  // The earlier format: the 16-byte MAC alone after the dot.
  const std::string arn = "arn:aws:states:us-east-1:123456789012:execution:m:e";
  token_codec ring(std::vector<std::string>{"the-new-secret-1111", "the-old-secret-0000"});
  std::string tok = token_codec("the-old-secret-0000").encode(task_token{arn, 9});
  auto sig = *base64url_decode(tok.substr(tok.find('.') + 1));
  std::string legacy = tok.substr(0, tok.find('.') + 1) + base64url_encode(sig.substr(4));
  auto t = ring.decode(legacy);
  REQUIRE(t);
  CHECK(t->task_id == 9);
  CHECK_FALSE(token_codec("another-secret-2222").decode(legacy));
}

TEST_CASE("task tokens carry HMAC-SHA256 of their payload, signed again and again alike") {
  // The codec keeps keyed HMAC contexts and resets them per message: every
  // signature must still equal a fresh one-shot HMAC of the payload.
  const std::string secret = "a-secret-of-thirty-two-bytes!!!!";
  token_codec codec(secret);
  for (int64_t task : {1, 2, 3, 1, 99999}) {
    std::string arn = "arn:aws:states:us-east-1:123456789012:execution:m:e" + std::to_string(task);
    std::string tok = codec.encode(task_token{arn, task});
    std::string payload = "v1|" + std::to_string(task) + "|" + arn;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), md, &len);
    auto sig = base64url_decode(tok.substr(tok.find('.') + 1));
    REQUIRE(sig);
    REQUIRE(sig->size() == 4 + 16);
    CHECK(sig->substr(4) == std::string(reinterpret_cast<char*>(md), 16));
    auto back = codec.decode(tok);
    REQUIRE(back);
    CHECK(back->task_id == task);
    CHECK(back->execution_arn == arn);
  }
}

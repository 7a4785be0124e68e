// Step Functions' own JSONata functions: $partition, $range, $hash,
// $random (with an optional seed), $uuid, $parse.
//
// AWS documents them as the JSONata counterparts of the JSONPath
// intrinsics (States.ArrayPartition, States.ArrayRange, States.Hash,
// States.MathRandom, States.UUID, States.StringToJson):
//   $partition([1,2,3,4,5,6,7,8,9], 3) → [[1,2,3],[4,5,6],[7,8,9]]; the last
//     chunk may be shorter.
//   $range(0, 10, 2) → [0,2,4,6,8,10] (end inclusive; a negative step counts
//     down).
//   $hash(value, algorithm): MD5, SHA-1, SHA-256, SHA-384 or SHA-512, as
//     lowercase hex (the intrinsic's output).
//   $random() / $random(seed): a seeded call is reproducible —
//     java.util.Random(seed).nextDouble(), so $random(42) is
//     0.7275636800328681.
//   $uuid(): a version 4 UUID.
//   $parse(text): the JSON value the string holds ($eval is not offered).
// What AWS does with out-of-range arguments is not documented. Like the
// intrinsics (runtime/eval/intrinsics.cpp), numeric arguments are truncated
// to integers (Java intValue), a partition size or range step that cannot
// make progress is refused, and so is an unknown algorithm. jsonata-js has
// no codes for these functions; the errors use D3200..D3205 (unused by
// jsonata-js) with messages that say what was wrong.
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>

#include "runtime/jsonata/fn_util.hpp"

namespace sc::jsonata {
namespace fn {
namespace {

int64_t java_long(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9.2e18) return INT64_MAX;
  if (d <= -9.2e18) return INT64_MIN;
  return int64_t(std::trunc(d));
}

value f_partition(call_context& ctx, std::vector<value>& args) {
  const value& arr = arg(args, 0);
  if (arr.is_undefined()) return value();
  int64_t size = java_long(arg(args, 1).as_number());
  if (size <= 0)
    raise_message("D3200",
                  "The size argument of $partition must be a positive integer: " +
                      format_number_js(arg(args, 1).as_number()),
                  "partition", ctx, arg(args, 1), 2);
  // Each chunk is allocated once at its final size.
  const auto& items = arr.as_array().items;
  const size_t n = items.size();
  const size_t step = uint64_t(size) >= n ? std::max<size_t>(n, 1) : size_t(size);
  std::vector<value> out;
  out.reserve((n + step - 1) / step);
  for (size_t at = 0; at < n; at += step) {
    size_t end = std::min(n, at + step);
    out.push_back(value::array(std::vector<value>(items.begin() + long(at), items.begin() + long(end))));
  }
  return value::array(std::move(out));
}

value f_range(call_context& ctx, std::vector<value>& args) {
  int64_t start = java_long(arg(args, 0).as_number());
  int64_t end = java_long(arg(args, 1).as_number());
  int64_t step = arg(args, 2).is_undefined() ? 1 : java_long(arg(args, 2).as_number());
  if (step == 0)
    raise_message("D3201", "The step argument of $range must not be zero", "range", ctx,
                  arg(args, 2), 3);
  uint64_t count = 0;
  if (step > 0 && start <= end) count = (uint64_t(end) - uint64_t(start)) / uint64_t(step) + 1;
  if (step < 0 && start >= end)
    count = (uint64_t(start) - uint64_t(end)) / (uint64_t(0) - uint64_t(step)) + 1;
  check_sequence_size(size_t(std::min<uint64_t>(count, SIZE_MAX)), ctx);
  std::vector<value> out;
  out.reserve(size_t(count));
  for (uint64_t i = 0; i < count; ++i) {
    out.push_back(value::number(double(start + int64_t(i) * step)));
    if ((i & 1023) == 0) ctx.tick();
  }
  return value::array(std::move(out));
}

value f_hash(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  std::string data = v.is_string() ? v.as_string() : stringify(v);
  const std::string algo = arg(args, 1).is_string() ? arg(args, 1).as_string() : std::string();
  const EVP_MD* md = algo == "MD5"       ? EVP_md5()
                     : algo == "SHA-1"   ? EVP_sha1()
                     : algo == "SHA-256" ? EVP_sha256()
                     : algo == "SHA-384" ? EVP_sha384()
                     : algo == "SHA-512" ? EVP_sha512()
                                         : nullptr;
  if (!md)
    raise_message("D3202",
                  "The algorithm argument of $hash must be one of MD5, SHA-1, SHA-256, SHA-384, "
                  "SHA-512: " + json_quote(algo),
                  "hash", ctx, arg(args, 1), 2);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < len; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 15];
  }
  return value::string(std::move(text));
}

/// java.util.Random(seed).nextDouble().
double java_next_double(int64_t seed) {
  constexpr uint64_t mult = 0x5DEECE66DULL, mask = (1ULL << 48) - 1;
  uint64_t s = (uint64_t(seed) ^ mult) & mask;
  auto next = [&](int bits) {
    s = (s * mult + 0xBULL) & mask;
    return int64_t(int32_t(uint32_t(s >> (48 - bits))));
  };
  int64_t hi = next(26), lo = next(27);
  return double((hi << 27) + lo) * 0x1.0p-53;
}

value f_random(call_context& ctx, std::vector<value>& args) {
  const value& seed = arg(args, 0);
  if (seed.is_number()) return value::number(java_next_double(java_long(seed.as_number())));
  return value::number(double(ctx.random_bits() >> 11) * 0x1.0p-53);
}

value f_uuid(call_context& ctx, std::vector<value>&) {
  uint64_t a = ctx.random_bits(), b = ctx.random_bits();
  unsigned char bytes[16];
  for (int i = 0; i < 8; ++i) {
    bytes[i] = static_cast<unsigned char>(a >> (56 - 8 * i));
    bytes[8 + i] = static_cast<unsigned char>(b >> (56 - 8 * i));
  }
  bytes[6] = (bytes[6] & 0x0F) | 0x40;  // version 4
  bytes[8] = (bytes[8] & 0x3F) | 0x80;  // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 15];
  }
  return value::string(std::move(out));
}

value f_parse(call_context& ctx, std::vector<value>& args) {
  const value& v = arg(args, 0);
  if (v.is_undefined()) return value();
  value out;
  std::string why;
  if (!from_json_text(v.as_string(), out, &why))
    raise_message("D3205", "The argument of $parse is not valid JSON: " + json_quote(v.as_string()),
                  "parse", ctx, v, 1);
  return out;
}

const builtin table[] = {
    {"partition", "<an:a<a>>", f_partition},
    {"range", "<nnn?:a<n>>", f_range},
    {"hash", "<xs:s>", f_hash},
    // jsonata-js registers random as '<:n>'; Step Functions adds the seed.
    {"random", "<n?:n>", f_random, 0},
    {"uuid", "<:s>", f_uuid},
    {"parse", "<s-:x>", f_parse},
};

}  // namespace
}  // namespace fn

std::span<const builtin> tables::sfn_functions() { return fn::table; }

}  // namespace sc::jsonata

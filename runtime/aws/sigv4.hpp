// AWS Signature Version 4: one implementation for both directions.
//
// Outbound (the node calling SQS, S3, Lambda...): sign() adds x-amz-date,
// x-amz-content-sha256 (when asked: S3 wants it), x-amz-security-token and
// Authorization to a request's headers. Inbound (the API verifying a
// client): parse_authorization() reads the Authorization header's
// Credential / SignedHeaders / Signature, and compute_signature() recomputes
// the signature from the request as received and the secret of the access
// key; verify() compares in constant time.
//
// The algorithm (AWS's "Create a signed AWS API request" page):
//   canonical request = method \n canonical URI \n canonical query \n
//                       canonical headers \n signed headers \n payload hash
//   string to sign    = "AWS4-HMAC-SHA256" \n amz date \n scope \n hex(sha256(creq))
//   scope             = yyyymmdd/region/service/aws4_request
//   signing key       = HMAC chain of "AWS4"+secret over date, region, service, "aws4_request"
//   signature         = hex(HMAC(signing key, string to sign))
//
// URI rules: every service but S3 normalises the path (removes "." and ".."
// segments, collapses repeated slashes) and URI-encodes the path as it is
// sent on the wire, so an already percent-encoded path is encoded a second
// time ("%20" becomes "%2520"). S3 does neither: its canonical URI is the
// path encoded exactly once (uri_rules::s3()). Query parameters are decoded,
// re-encoded with the strict unreserved set (A-Z a-z 0-9 - _ . ~), and
// sorted by name then value. Header names are lower-cased, values trimmed
// with inner runs of spaces collapsed, repeated headers joined with ",".
//
// Pure: no clock (the caller passes the x-amz-date), no I/O. OpenSSL's
// libcrypto for SHA-256 and HMAC. Proven against AWS's published SigV4 test
// suite (tests/runtime/aws/sigv4.test.cpp, vectors in tests/runtime/sigv4/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sc::aws {

/// One header as sent or received; names in any case, repeats allowed.
struct http_header {
  std::string name;
  std::string value;
};

/// The parts of an HTTP request that SigV4 covers.
struct request_parts {
  std::string method;                ///< "GET", "POST", ...
  std::string path = "/";            ///< the path as on the wire (percent-encoded), no query
  std::string query;                 ///< the raw query string, without '?'
  std::vector<http_header> headers;  ///< must include Host
  /// Lower-case hex SHA-256 of the body (payload_hash()), or a literal such
  /// as "UNSIGNED-PAYLOAD" when the caller signs that instead.
  std::string payload_hash;
};

/// How the canonical URI is formed.
struct uri_rules {
  bool normalize_path = true;  ///< remove "."/".." segments and empty segments
  bool double_encode = true;   ///< encode the (already encoded) wire path again
  static uri_rules s3() { return uri_rules{false, false}; }
  /// The rules of a service by its signing name ("s3" and "s3-outposts" use s3()).
  static uri_rules for_service(std::string_view service);
};

/// The credential scope of a signature.
struct credential_scope {
  std::string date;     ///< yyyymmdd
  std::string region;   ///< e.g. "us-east-1"
  std::string service;  ///< the signing name, e.g. "sqs", "states", "s3"
  /// "date/region/service/aws4_request"
  std::string str() const;
};

struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< empty when the credentials are long-term
};

// ---- primitives -------------------------------------------------------

/// Lower-case hex of bytes.
std::string hex(std::string_view bytes);
/// Lower-case hex SHA-256 of `data` (the payload hash of a body).
std::string payload_hash(std::string_view data);
/// The raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);
/// The SHA-256 of the empty string, in hex.
inline constexpr std::string_view empty_payload_hash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

/// RFC 3986 percent-encoding of every byte outside A-Z a-z 0-9 - _ . ~
/// (upper-case hex); '/' is kept when `keep_slash`.
std::string uri_encode(std::string_view s, bool keep_slash = false);
/// Decodes %XX escapes (invalid escapes are kept as they are). '+' stays '+'.
std::string uri_decode(std::string_view s);

/// "yyyymmddThhmmssZ" for milliseconds since the Unix epoch (UTC).
std::string amz_date(int64_t epoch_ms);

// ---- canonical forms --------------------------------------------------

std::string canonical_uri(std::string_view wire_path, const uri_rules& rules);
std::string canonical_query(std::string_view raw_query);
/// The canonical headers block (each "name:value\n") for the headers named
/// in `signed_names` (lower-case, sorted, ';'-free). Empty optional when a
/// named header is absent from `headers`.
std::optional<std::string> canonical_headers(const std::vector<http_header>& headers,
                                             const std::vector<std::string>& signed_names);
/// The lower-case, sorted, de-duplicated names of `headers` that an
/// outbound signature covers (all but Authorization, User-Agent, Expect,
/// X-Amzn-Trace-Id).
std::vector<std::string> headers_to_sign(const std::vector<http_header>& headers);
/// "a;b;c"
std::string join_signed_headers(const std::vector<std::string>& names);

/// The canonical request; empty optional when a signed header is missing.
std::optional<std::string> canonical_request(const request_parts& req,
                                             const std::vector<std::string>& signed_names,
                                             const uri_rules& rules);
std::string string_to_sign(std::string_view amz_date, const credential_scope& scope,
                           std::string_view canonical_request);
/// The raw 32-byte signing key.
std::string signing_key(std::string_view secret_access_key, const credential_scope& scope);
/// hex(HMAC(signing key, string to sign))
std::string signature_of(std::string_view secret_access_key, const credential_scope& scope,
                         std::string_view string_to_sign);

// ---- outbound ---------------------------------------------------------

struct sign_options {
  std::string region;
  std::string service;          ///< signing name
  std::string amz_date;         ///< "yyyymmddThhmmssZ" (amz_date(now))
  bool add_content_sha256 = false;  ///< add x-amz-content-sha256 (S3)
};

/// What sign() computed, for logs and tests.
struct signing_result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;
};

/// Signs `req` in place: adds X-Amz-Date (unless present), X-Amz-Content-Sha256
/// (when asked), X-Amz-Security-Token (temporary credentials) and
/// Authorization; signs every header but the ones headers_to_sign() skips.
/// `req.payload_hash` must be set (payload_hash(body)). A Host header must be present.
signing_result sign(request_parts& req, const credentials& creds, const sign_options& opts);

// ---- inbound ----------------------------------------------------------

/// The parts of an Authorization header of the form
/// "AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
///  SignedHeaders=a;b, Signature=hex".
struct authorization {
  std::string access_key_id;
  credential_scope scope;
  std::vector<std::string> signed_headers;  ///< as listed (lower-case)
  std::string signature;                    ///< lower-case hex
};

/// Parses an Authorization header; on failure returns nothing and sets
/// `error` to a sentence naming what is wrong (malformed credential, missing
/// SignedHeaders...), worded after AWS's IncompleteSignature messages.
std::optional<authorization> parse_authorization(std::string_view header, std::string* error = nullptr);

/// The signature `req` should carry under `auth`'s scope and signed headers
/// and the secret of auth.access_key_id; empty optional when a signed header
/// is missing from the request. `amz_date` is the request's X-Amz-Date (or
/// Date) value.
std::optional<std::string> compute_signature(const request_parts& req, const authorization& auth,
                                             std::string_view secret_access_key,
                                             std::string_view amz_date, const uri_rules& rules);

/// compute_signature() == auth.signature, compared in constant time.
bool verify(const request_parts& req, const authorization& auth, std::string_view secret_access_key,
            std::string_view amz_date, const uri_rules& rules);

/// The value of the first header named `name` (any case), if any.
std::optional<std::string> find_header(const std::vector<http_header>& headers, std::string_view name);

}  // namespace sc::aws

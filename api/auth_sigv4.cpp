// SigV4 verification of an incoming request (see auth.hpp), with the one
// SigV4 implementation of the pure core (runtime/aws/sigv4.hpp).
#include "api/auth.hpp"

#include "runtime/aws/sigv4.hpp"

namespace sc::api {

bool signature_matches(const request& req, const authorization_header& a,
                       const std::string& secret) {
  auto parsed = aws::parse_authorization(req.authorization);
  if (!parsed) return false;
  aws::request_parts parts;
  parts.method = req.method;
  const auto q = req.path.find('?');
  parts.path = q == std::string::npos ? req.path : req.path.substr(0, q);
  if (parts.path.empty()) parts.path = "/";
  if (q != std::string::npos) parts.query = req.path.substr(q + 1);
  parts.headers.reserve(req.headers.size());
  std::string date;
  for (const auto& [name, value] : req.headers) {
    if (name == "x-amz-date") date = value;
    parts.headers.push_back(aws::http_header{name, value});
  }
  parts.payload_hash = aws::payload_hash(req.body);
  return aws::verify(parts, *parsed, secret, date, aws::uri_rules::for_service("states"));
}

}  // namespace sc::api

// See signer.hpp.
#include "tools/traffic/signer.hpp"

#include "runtime/aws/sigv4.hpp"

#include <cstdlib>

namespace sc::traffic {

signing_keys keys_from(const std::string& flag_access, const std::string& flag_secret,
                       std::string& error) {
  signing_keys k;
  if (!flag_access.empty() || !flag_secret.empty()) {
    if (flag_access.empty() || flag_secret.empty()) {
      error = "--access-key and --secret-key go together";
      return {};
    }
    k.access_key_id = flag_access;
    k.secret_access_key = flag_secret;
    return k;
  }
  auto env = [](const char* n) {
    const char* v = std::getenv(n);
    return v ? std::string(v) : std::string();
  };
  k.access_key_id = env("AWS_ACCESS_KEY_ID");
  k.secret_access_key = env("AWS_SECRET_ACCESS_KEY");
  k.session_token = env("AWS_SESSION_TOKEN");
  if (k.access_key_id.empty() || k.secret_access_key.empty()) return {};
  return k;
}

signer::signer(signing_keys keys, std::string region, std::string service)
    : keys_(std::move(keys)), region_(std::move(region)), service_(std::move(service)) {}

uint64_t signer::keys_derived() const {
  std::lock_guard lock(mu_);
  return derived_;
}

signed_headers signer::sign(std::string_view method, std::string_view path, std::string_view host,
                            std::string_view content_type, std::string_view target,
                            std::string_view body, int64_t now_ms) const {
  signed_headers out;
  std::string key;
  {
    std::lock_guard lock(mu_);
    const int64_t second = now_ms / 1000;
    if (second != second_) {
      date_ = aws::amz_date(second * 1000);
      second_ = second;
    }
    out.amz_date = date_;
    if (day_.compare(0, 8, date_, 0, 8) != 0 || key_.empty()) {
      day_ = date_.substr(0, 8);
      key_ = aws::signing_key(keys_.secret_access_key,
                              aws::credential_scope{day_, region_, service_});
      ++derived_;
    }
    key = key_;
  }
  const aws::credential_scope scope{out.amz_date.substr(0, 8), region_, service_};
  // The canonical request (AWS JSON 1.0 calls: path "/", no query; header
  // names already lower-case and sorted).
  std::string names = "content-type;host;x-amz-date";
  std::string creq;
  creq.reserve(256 + content_type.size() + host.size() + target.size());
  creq.append(method).append("\n");
  creq.append(aws::canonical_uri(path, aws::uri_rules::for_service(service_))).append("\n\n");
  creq.append("content-type:").append(content_type).append("\n");
  creq.append("host:").append(host).append("\n");
  creq.append("x-amz-date:").append(out.amz_date).append("\n");
  if (!keys_.session_token.empty()) {
    creq.append("x-amz-security-token:").append(keys_.session_token).append("\n");
    names += ";x-amz-security-token";
    out.security_token = keys_.session_token;
  }
  if (!target.empty()) {
    creq.append("x-amz-target:").append(target).append("\n");
    names += ";x-amz-target";
  }
  creq.append("\n").append(names).append("\n").append(aws::payload_hash(body));
  const std::string sts = aws::string_to_sign(out.amz_date, scope, creq);
  out.authorization = std::string(aws::algorithm) + " Credential=" + keys_.access_key_id + "/" +
                      scope.str() + ", SignedHeaders=" + names +
                      ", Signature=" + aws::hex(aws::hmac_sha256(key, sts));
  return out;
}

signed_headers signer::sign_now(std::string_view method, std::string_view path,
                                std::string_view host, std::string_view content_type,
                                std::string_view target, std::string_view body) const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return sign(method, path, host, content_type, target, body, ms);
}

}  // namespace sc::traffic

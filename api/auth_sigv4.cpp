// SigV4 verification of a request (see auth.hpp): waits for runtime/aws/sigv4.
#include "api/auth.hpp"

namespace sc::api {

bool signature_matches(const request&, const authorization_header&, const std::string&) {
  return false;
}

}  // namespace sc::api

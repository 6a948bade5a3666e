#include "fogbank/core/service.hpp"

#include "fogbank/core/log.hpp"

#include <exception>
#include <new>
#include <string>

namespace fogbank::core {
namespace {

void log_failure(const error_funnel& funnel, std::string_view operation, std::string_view what) noexcept {
  try {
    log_error("internal error in " + std::string(funnel.service_name) + " " + std::string(operation) + ": " +
              std::string(what));
  } catch (...) {
    log_error("internal error (and no memory to say more)");
  }
}

}  // namespace

void require_request_object(const nlohmann::json& request) {
  if (request.is_object()) return;
  throw aws_error(error_code::serialization,
                  request.is_array() ? "Start of list found where not expected" : "");
}

call_result run_funneled(const error_funnel& funnel, std::string_view operation,
                         const std::function<nlohmann::json()>& run) noexcept {
  call_result out;
  const auto fail = [&](aws_error error) {
    try {
      out.body = nlohmann::json::object();
      out.error.emplace(std::move(error));
    } catch (...) {
      // Out of memory even for the error: leave the result as it is; the caller still gets an
      // answer, which is better than none.
    }
  };
  try {
    out.body = run();
    if (out.body.is_null()) out.body = nlohmann::json::object();
  } catch (const aws_error& e) {
    fail(e);
  } catch (const nlohmann::json::exception&) {
    // The library's own text ("[json.exception.type_error.302] ...") names its internals, not the
    // request: it never reaches a client.
    fail(aws_error(funnel.malformed_request, std::string(funnel.malformed_message)));
  } catch (const std::bad_alloc&) {
    log_failure(funnel, operation, "out of memory");
    fail(aws_error(error_code::internal_failure, "Internal server error"));
  } catch (const std::exception& e) {
    log_failure(funnel, operation, e.what());
    fail(aws_error(error_code::internal_failure, "Internal server error"));
  } catch (...) {
    log_failure(funnel, operation, "unknown exception");
    fail(aws_error(error_code::internal_failure, "Internal server error"));
  }
  return out;
}

}  // namespace fogbank::core

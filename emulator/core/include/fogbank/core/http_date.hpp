#pragma once
// The HTTP-date of RFC 9110 (section 5.6.7), the form of the Date header every AWS response
// carries: "Tue, 01 Dec 2026 04:20:00 GMT". Apart from clock.hpp so that the HTTP layer alone
// pulls it in.

#include <string>

#include "fogbank/core/clock.hpp"

namespace fogbank::core {

// `at` as an IMF-fixdate, in UTC, to the second.
std::string format_http_date(time_point at);

}  // namespace fogbank::core

// The helpers every service implementation shares: the operation table and the error funnel.

#include "fogbank/core/service.hpp"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <string>

namespace fogbank::core {
namespace {

using nlohmann::json;

int first() {
  return 1;
}
int second() {
  return 2;
}

constexpr auto table = make_operation_table<int (*)()>({{"Alpha", &first}, {"Beta", &second}});
static_assert(table.sorted());
static_assert(!make_operation_table<int (*)()>({{"Beta", &second}, {"Alpha", &first}}).sorted());

TEST(OperationTable, FindsEveryRowAndNothingElse) {
  ASSERT_NE(table.find("Alpha"), nullptr);
  EXPECT_EQ((*table.find("Alpha"))(), 1);
  ASSERT_NE(table.find("Beta"), nullptr);
  EXPECT_EQ((*table.find("Beta"))(), 2);
  EXPECT_EQ(table.find("Gamma"), nullptr);
  EXPECT_EQ(table.find("alpha"), nullptr);
  EXPECT_EQ(table.find(""), nullptr);
}

constexpr error_funnel funnel{error_code::serialization, "Unexpected value type in payload", "Test"};

TEST(ErrorFunnel, PassesResponsesAndAwsErrorsThrough) {
  call_result ok = run_funneled(funnel, "Op", [] { return json{{"a", 1}}; });
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.body, (json{{"a", 1}}));

  call_result null_body = run_funneled(funnel, "Op", [] { return json(); });
  EXPECT_EQ(null_body.body, json::object());

  call_result failed = run_funneled(funnel, "Op", []() -> json {
    throw aws_error(error_code::resource_not_found, "Requested resource not found");
  });
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->code(), error_code::resource_not_found);
  EXPECT_EQ(failed.error->message(), "Requested resource not found");
  EXPECT_EQ(failed.body, json::object());
}

TEST(ErrorFunnel, JsonLibraryErrorsBecomeTheServicesOwnWordsNeverTheLibrarys) {
  call_result r = run_funneled(funnel, "Op", []() -> json {
    const json request{{"TableName", true}};
    return request.at("TableName").get<std::string>();  // type_error.302
  });
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), error_code::serialization);
  EXPECT_EQ(r.error->message(), "Unexpected value type in payload");
  EXPECT_EQ(r.error->message().find("json.exception"), std::string::npos);
}

TEST(ErrorFunnel, AnythingElseIsAnInternalErrorNotACrash) {
  call_result r = run_funneled(funnel, "Op", []() -> json { throw std::runtime_error("boom"); });
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), error_code::internal_failure);
  EXPECT_EQ(r.error->message(), "Internal server error");

  call_result oom = run_funneled(funnel, "Op", []() -> json { throw std::bad_alloc(); });
  ASSERT_TRUE(oom.error);
  EXPECT_EQ(oom.error->code(), error_code::internal_failure);

  call_result odd = run_funneled(funnel, "Op", []() -> json { throw 42; });
  ASSERT_TRUE(odd.error);
  EXPECT_EQ(odd.error->code(), error_code::internal_failure);
}

}  // namespace
}  // namespace fogbank::core

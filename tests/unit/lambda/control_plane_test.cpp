// The control plane: CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions,
// UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction, with Lambda's errors. Messages
// are AWS's recorded answers where the code cites one (validation.cpp, ops_functions.cpp).

#include "lambda_fixture.hpp"

#include <filesystem>
#include <fstream>

namespace fogbank::lambda {
namespace {

namespace fs = std::filesystem;
using control_plane = lambda_test;

TEST_F(control_plane, CreateUnpacksTheZipAndReportsItsDigestAndSize) {
  const json created = create("fn", "echo.handler", {{"Timeout", 10}, {"MemorySize", 256}});
  EXPECT_EQ(created["FunctionName"], "fn");
  EXPECT_EQ(created["FunctionArn"], function_arn("fn"));
  EXPECT_EQ(created["CodeSha256"], small_zip_sha256);
  EXPECT_EQ(created["CodeSize"], small_zip_size);
  EXPECT_EQ(created["Timeout"], 10);
  EXPECT_EQ(created["MemorySize"], 256);
  EXPECT_EQ(created["Version"], "$LATEST");
  // AWS answers Pending while it creates; GetFunction then reads Active (research D7).
  EXPECT_EQ(created["State"], "Pending");
  EXPECT_EQ(created["StateReasonCode"], "Creating");

  const json got = ok("GetFunction", {{"FunctionName", "fn"}});
  EXPECT_EQ(got["Configuration"]["State"], "Active");
  EXPECT_EQ(got["Configuration"]["LastUpdateStatus"], "Successful");
  EXPECT_EQ(got["Configuration"]["RevisionId"], created["RevisionId"]);
  // The package is unpacked, with the bootstrap still executable.
  const std::string location = got["Code"]["Location"].get<std::string>();
  ASSERT_EQ(location.rfind("file://", 0), 0u) << location;
  const fs::path dir = location.substr(7);
  std::ifstream data(dir / "lib" / "data.txt");
  std::string text((std::istreambuf_iterator<char>(data)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "hello\n");
  EXPECT_NE(fs::status(dir / "bootstrap").permissions() & fs::perms::owner_exec, fs::perms::none);
}

TEST_F(control_plane, FunctionsAreFoundByNameArnOrPartialArn) {
  create("fn", "echo.handler");
  for (const std::string name : {"fn", "arn:aws:lambda:us-east-1:000000000000:function:fn",
                                 "000000000000:function:fn", "fn:$LATEST"}) {
    EXPECT_EQ(ok("GetFunctionConfiguration", {{"FunctionName", name}}).value("FunctionName", ""), "fn")
        << name;
  }
}

TEST_F(control_plane, AMissingFunctionIsResourceNotFound) {
  // Recorded: "Function not found: arn:aws:lambda:us-east-1:880306299867:function:function_not_found".
  fails("GetFunction", {{"FunctionName", "nope"}}, error_code::lambda_resource_not_found,
        "Function not found: " + function_arn("nope"));
  fails("DeleteFunction", {{"FunctionName", "nope"}}, error_code::lambda_resource_not_found,
        "Function not found: " + function_arn("nope"));
  fails("Invoke", {{"FunctionName", "nope"}}, error_code::lambda_resource_not_found,
        "Function not found: " + function_arn("nope"));
  // Versions are not emulated: only $LATEST exists.
  create("fn", "echo.handler");
  fails("GetFunction", {{"FunctionName", "fn"}, {"Qualifier", "1"}}, error_code::lambda_resource_not_found,
        "Function not found: " + function_arn("fn") + ":1");
}

TEST_F(control_plane, ASecondCreateOfOneNameIsAConflictAndChangesNothing) {
  const json first = create("fn", "echo.handler");
  fails("CreateFunction",
        {{"FunctionName", "fn"},
         {"Runtime", "provided.al2"},
         {"Handler", "fail.handler"},
         {"Role", role_arn},
         {"Code", {{"ZipFile", small_zip_base64}}}},
        error_code::lambda_resource_conflict, "Function already exist: fn");
  EXPECT_EQ(ok("GetFunctionConfiguration", {{"FunctionName", "fn"}})["Handler"], "echo.handler");
}

TEST_F(control_plane, CreateRefusesBadMembersWithLambdasMessages) {
  const json base = {{"FunctionName", "fn"},
                     {"Runtime", "provided.al2023"},
                     {"Handler", "echo.handler"},
                     {"Role", role_arn},
                     {"Code", {{"ZipFile", small_zip_base64}}}};
  auto with = [&](const std::string& member, const json& value) {
    json request = base;
    if (value.is_null())
      request.erase(member);
    else
      request[member] = value;
    return request;
  };
  fails("CreateFunction", with("Timeout", 901), error_code::validation,
        "1 validation error detected: Value 901 at 'timeout' failed to satisfy constraint: Member must have "
        "value "
        "less than or equal to 900");
  fails(
      "CreateFunction", with("MemorySize", 64), error_code::validation,
      "1 validation error detected: Value 64 at 'memorySize' failed to satisfy constraint: Member must have "
      "value greater than or equal to 128");
  fails("CreateFunction", with("Role", nullptr), error_code::validation,
        "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be "
        "null");
  fails("CreateFunction", with("Handler", nullptr), error_code::lambda_invalid_parameter_value,
        "Runtime and Handler are mandatory parameters for functions created with deployment packages.");
  fails("CreateFunction", with("Code", json::object()), error_code::lambda_invalid_parameter_value,
        "Please provide a source for function code.");
  fails("CreateFunction", with("Runtime", "nodejs14.x"), error_code::lambda_invalid_parameter_value,
        "The runtime parameter of nodejs14.x is no longer supported for creating or updating AWS Lambda "
        "functions. We recommend you use the new runtime (nodejs20.x) while creating or updating functions.");
  // go1.x, nodejs12.x and python3.7 are refused naming no runtime (CloudFormation logs quoting AWS).
  fails("CreateFunction", with("Runtime", "go1.x"), error_code::lambda_invalid_parameter_value,
        "The runtime parameter of go1.x is no longer supported for creating or updating AWS Lambda "
        "functions. We recommend you use a supported runtime while creating or updating functions.");
  const core::call_result unknown = call("CreateFunction", with("Runtime", "nodejs12.xa"));
  ASSERT_TRUE(unknown.error);
  EXPECT_EQ(unknown.error->code(), error_code::lambda_invalid_parameter_value);
  EXPECT_EQ(
      unknown.error->message().rfind("Value nodejs12.xa at 'runtime' failed to satisfy constraint: Member "
                                     "must satisfy enum value set: [nodejs20.x, ",
                                     0),
      0u)
      << unknown.error->message();
  fails(
      "CreateFunction", with("Environment", {{"Variables", {{"AWS_REGION", "eu-west-1"}}}}),
      error_code::lambda_invalid_parameter_value,
      "Lambda was unable to configure your environment variables because the environment variables you have "
      "provided contains reserved keys that are currently not supported for modification. Reserved keys used "
      "in this request: AWS_REGION");
  const core::call_result big_env =
      call("CreateFunction", with("Environment", {{"Variables", {{"BIG", std::string(4100, 'x')}}}}));
  ASSERT_TRUE(big_env.error);
  EXPECT_EQ(
      big_env.error->message().rfind("Lambda was unable to configure your environment variables because "
                                     "the environment variables you have provided exceeded the 4KB limit.",
                                     0),
      0u)
      << big_env.error->message();
  fails("CreateFunction", with("Code", {{"ZipFile", core::base64_encode("not a zip")}}),
        error_code::lambda_invalid_parameter_value,
        "Could not unzip uploaded file. Please check your file, then try to upload again.");
  fails("CreateFunction", with("Code", {{"ZipFile", escaping_zip_base64}}),
        error_code::lambda_invalid_parameter_value,
        "Could not unzip uploaded file. Please check your file, then try to upload again.");
  // fuzz/findings/lambda_zip/crash-f2920ac9…: entries that collide on disk (a link where the
  // package already put something) once escaped unpacking as a std::filesystem error.
  const std::string colliding_zip_base64 =
      "UEsDBBQAAAAAAAAAIVhYM/eODAAAAAwAAAATAAAAbm9kZV9tb2R1bGVzLy5iaW4veC4vLnVrZy9iaW4veFBLAwQUAAAAAAAA"
      "ACFYgxbcjAEAAAABAAAAFgAAAG5vZGVfbW9kdWxlcy8uYmluL3guLy6FUEsBAhQDFAAAAAAAAAAhWFgz944MAAAADAAAABMA"
      "AAAAAAAAAAAAAP+hAAAAAG5vZGVfbW9kdWxlcy8uYmluL3hQSwECFAMUAAAAAAAAACFYgxbcjAEAAAABAAAAFgAAAAAAAAAA"
      "AAAA7aU9AAAAbm9kZV9tb2R1bGVzLy5iaW4veC4vLnVrZy9iaW4veFBLAwQUAAAAAAAAACFYgxbcjAEAAAABAAAAFgAAAG5v"
      "ZGVfbW9kdWxlcy9wa2cvYmluL3iFUEsBAhQAAAMUAAAAAAAhWFgz944MAAAADAAAABMAAAAAAAAAAAAAAP+hAAAAAG5vZGVf"
      "bW9kdWxlcy8uYmluL3hQSwECFAMUAAAAAAAAACFYgxbcjAEAAAABAAAAFgAAAAAAAAAAAAAA7aU9AAAAbm9kZV9tb2R1bGVz"
      "L3BrZy9iaW4veFBLBQYAAAAAAgACAIUAAABycGtnL2Jpbi94UEsFBgAAAAACAAIAhQAAAHIAAAAAAA==";
  fails("CreateFunction", with("Code", {{"ZipFile", colliding_zip_base64}}),
        error_code::lambda_invalid_parameter_value,
        "Could not unzip uploaded file. Please check your file, then try to upload again.");
  // fuzz/findings/lambda_zip/crash-29d7b357…: a link entry named as a directory ("lib/") with
  // an empty target made create_symlink fail with ENOENT, which was not counted as a collision.
  const std::string directory_link_zip_base64 =
      "UEsDBBQAAAAAAAAAIVgdnfsECgAAAAoAAAAJAAAAYm9vdHN0cmFwIyEvYmluL3NoClBLAwQUAAAAAAAAACFYAAAAAAAAAAAA"
      "AAAABAAAAGxpYi9QSwMEFAAAAAgAAAAhWGR6cK8GAAAAZAAAAAkAAABsaWIvYS50eHRLTKQ9AABQSwECFAMUAAAAAAAAACFY"
      "HZ37BAoAAAAKAAAACQAAAAAAAAAAAAAA7YEAAAAAYm9vdHN0cmFwUEsBAhQDFAAAAAAAAAAhWAAAAAAAAAAAAAAAAAQAAAAA"
      "AAAAAAAAAEGtMQAAAGxpYi9QSwECFAMUAAAACAAAACFYZHpwrwYAAABkAAAACQAAAAAAAAAAAAAApIFTAAAAbGliL2EudHh0"
      "UEsFBgAAAAADAAMAoAAAAIAAAAAAAA==";
  fails("CreateFunction", with("Code", {{"ZipFile", directory_link_zip_base64}}),
        error_code::lambda_invalid_parameter_value,
        "Could not unzip uploaded file. Please check your file, then try to upload again.");
  fails(
      "CreateFunction", with("FunctionName", "bad name!"), error_code::validation,
      "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member "
      "must satisfy regular expression pattern: "
      "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_"
      "\\.]+)"
      "(:(\\$LATEST|[a-zA-Z0-9-_]+))?");
  // A member of the wrong type is refused while the body is read.
  const core::call_result wrong_type = call("CreateFunction", with("Timeout", "ten"));
  ASSERT_TRUE(wrong_type.error);
  EXPECT_EQ(wrong_type.error->code(), error_code::lambda_invalid_request_content);
  // None of this made a function, nor left code behind.
  EXPECT_EQ(ok("ListFunctions", json::object())["Functions"].size(), 0u);
  EXPECT_FALSE(fs::exists(fs::path("/evil.txt")));
}

TEST_F(control_plane, ALocalDirectoryIsUsedInPlace) {
  const fs::path dir = fs::temp_directory_path() / ("fogbank-local-code-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const json created =
      create("local", "index.handler",
             {{"Runtime", "nodejs20.x"}, {"Code", {{"S3Bucket", "hot-reload"}, {"S3Key", dir.string()}}}});
  // LocalStack's convention, which serverless-localstack users already have (research D8).
  EXPECT_EQ(created["CodeSha256"], "hot-reloading-hash-not-available");
  EXPECT_EQ(created["CodeSize"], 0);
  EXPECT_EQ(ok("GetFunction", {{"FunctionName", "local"}})["Code"]["Location"],
            "Code location: " + dir.string());
  ok("DeleteFunction", {{"FunctionName", "local"}});
  // Deleting the function leaves the user's directory alone.
  EXPECT_TRUE(fs::is_directory(dir));
  fs::remove_all(dir);

  fails("CreateFunction",
        {{"FunctionName", "gone"},
         {"Runtime", "nodejs20.x"},
         {"Handler", "index.handler"},
         {"Role", role_arn},
         {"Code", {{"S3Bucket", "hot-reload"}, {"S3Key", dir.string()}}}},
        error_code::lambda_invalid_parameter_value,
        "The S3Key of a hot-reload function must be the absolute path of a directory on the machine fogbank "
        "runs "
        "on: '" +
            dir.string() + "' is not one");
}

TEST_F(control_plane, ListFunctionsPagesWithAnOpaqueMarker) {
  for (const std::string name : {"c", "a", "b"}) create(name, "echo.handler");
  json page = ok("ListFunctions", {{"MaxItems", 2}});
  ASSERT_EQ(page["Functions"].size(), 2u) << page.dump();
  EXPECT_EQ(page["Functions"][0]["FunctionName"], "a");
  EXPECT_EQ(page["Functions"][1]["FunctionName"], "b");
  ASSERT_TRUE(page.contains("NextMarker")) << page.dump();
  json rest = ok("ListFunctions", {{"MaxItems", 2}, {"Marker", page["NextMarker"]}});
  ASSERT_EQ(rest["Functions"].size(), 1u) << rest.dump();
  EXPECT_EQ(rest["Functions"][0]["FunctionName"], "c");
  EXPECT_FALSE(rest.contains("NextMarker"));
  fails("ListFunctions", {{"MaxItems", 0}}, error_code::validation,
        "1 validation error detected: Value 0 at 'maxItems' failed to satisfy constraint: Member must have "
        "value "
        "greater than or equal to 1");
}

TEST_F(control_plane, UpdatesChangeTheRevisionAndCheckTheOneGiven) {
  const json created = create("fn", "echo.handler");
  const json updated =
      ok("UpdateFunctionConfiguration",
         {{"FunctionName", "fn"}, {"Timeout", 30}, {"Environment", {{"Variables", {{"AB", "1"}}}}}});
  EXPECT_EQ(updated["Timeout"], 30);
  EXPECT_EQ(updated["Environment"]["Variables"]["AB"], "1");
  EXPECT_EQ(updated["LastUpdateStatus"], "InProgress");
  EXPECT_NE(updated["RevisionId"], created["RevisionId"]);

  fails(
      "UpdateFunctionCode", {{"FunctionName", "fn"}, {"ZipFile", small_zip_base64}, {"RevisionId", "stale"}},
      error_code::lambda_precondition_failed,
      "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to "
      "retrieve the latest Revision Id");
  const json code =
      ok("UpdateFunctionCode",
         {{"FunctionName", "fn"}, {"ZipFile", small_zip_base64}, {"RevisionId", updated["RevisionId"]}});
  EXPECT_EQ(code["CodeSha256"], small_zip_sha256);
  EXPECT_NE(code["RevisionId"], updated["RevisionId"]);
  // A refused update changes nothing. Variable names are [a-zA-Z]([a-zA-Z0-9_])+, so at least two
  // characters (the Lambda API reference's Environment: "Key Pattern").
  fails("UpdateFunctionConfiguration",
        {{"FunctionName", "fn"}, {"Environment", {{"Variables", {{"A", "1"}}}}}}, error_code::validation,
        "1 validation error detected: Value 'A' at 'environment.variables' failed to satisfy constraint: Map "
        "keys "
        "must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
  fails("UpdateFunctionConfiguration", {{"FunctionName", "fn"}, {"Timeout", 0}}, error_code::validation,
        "1 validation error detected: Value 0 at 'timeout' failed to satisfy constraint: Member must have "
        "value "
        "greater than or equal to 1");
  EXPECT_EQ(ok("GetFunctionConfiguration", {{"FunctionName", "fn"}})["Timeout"], 30);
}

TEST_F(control_plane, DeleteRemovesTheFunctionAndItsCode) {
  create("fn", "echo.handler");
  const std::string location = ok("GetFunction", {{"FunctionName", "fn"}})["Code"]["Location"];
  const fs::path dir = location.substr(7);
  ASSERT_TRUE(fs::is_directory(dir));
  ok("DeleteFunction", {{"FunctionName", "fn"}});
  EXPECT_FALSE(fs::exists(dir));
  fails("GetFunction", {{"FunctionName", "fn"}}, error_code::lambda_resource_not_found,
        "Function not found: " + function_arn("fn"));
  // The name is free again.
  create("fn", "echo.handler");
}

TEST_F(control_plane, AnOperationFogbankDoesNotEmulateIsUnknown) {
  const core::call_result r = call("PublishVersion", {{"FunctionName", "fn"}});
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code(), error_code::unknown_operation);
}

}  // namespace
}  // namespace fogbank::lambda

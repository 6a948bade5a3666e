// Requests an attacker would send (issue 6, findings 3, 4, 5 and 9): each is answered with
// AWS's error, changes nothing, and leaves the service serving. The same cases over both wire
// protocols are in tests/e2e/test_sqs_hostile.py.

#include "sqs_fixture.hpp"

#include <string>

namespace fogbank::sqs {
namespace {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// A Policy document whose Statement is `depth` arrays deep (findings 4 and 5).
std::string deep_policy(std::size_t depth) {
  return R"({"Version":"2012-10-17","Statement":)" + nested_arrays(depth) + "}";
}

class hostile_test : public sqs_test {
 protected:
  json all_attributes(const std::string& url) {
    return ok("GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", {"All"}}});
  }
  json queue_urls() { return ok("ListQueues", json::object()).value("QueueUrls", json::array()); }
};

// ---- finding 3: RedrivePolicy ---------------------------------------------------------------

TEST_F(hostile_test, redrive_policy_of_100000_nested_brackets_is_not_a_json_map) {
  const std::string url = create("src");
  const json before = all_attributes(url);
  const std::string policy = nested_arrays(100'000);
  const std::string message =
      "Value " + policy +
      " for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.";
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", policy}}}},
        error_code::invalid_parameter_value, message);
  fails("CreateQueue", {{"QueueName", "other"}, {"Attributes", {{"RedrivePolicy", policy}}}},
        error_code::invalid_parameter_value, message);
  EXPECT_EQ(all_attributes(url), before);
  EXPECT_EQ(queue_urls(), json::array({url}));
}

TEST_F(hostile_test, deep_max_receive_count_is_refused_before_it_is_dumped) {
  create("dlq");
  const std::string url = create("src");
  // The crash of finding 3: the message quoting maxReceiveCount dumped it recursively.
  const std::string deep = json{{"deadLetterTargetArn", arn("dlq")}}.dump();
  const std::string policy =
      deep.substr(0, deep.size() - 1) + R"(,"maxReceiveCount":)" + nested_arrays(100'000) + "}";
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", policy}}}},
        error_code::invalid_parameter_value,
        "Value " + policy +
            " for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map.");
  // Within the bound the value is quoted as before.
  const std::string shallow = json{{"deadLetterTargetArn", arn("dlq")}, {"maxReceiveCount", {{1}}}}.dump();
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"RedrivePolicy", shallow}}}},
        error_code::invalid_parameter_value,
        "Value " + shallow +
            " for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount: [[1]], "
            "valid values "
            "are from 1 to 1000 both inclusive.");
  EXPECT_EQ(attribute(url, "RedrivePolicy"), "");
}

// ---- findings 4 and 5: Policy, then AddPermission / RemovePermission ------------------------

TEST_F(hostile_test, deep_policy_is_refused_and_add_permission_still_works) {
  const std::string url = create("shared");
  const json before = all_attributes(url);
  for (const std::size_t depth : {33, 60'000, 1'000'000}) {
    fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"Policy", deep_policy(depth)}}}},
          error_code::invalid_attribute_value, "Invalid value for the parameter Policy.");
  }
  fails("CreateQueue", {{"QueueName", "other"}, {"Attributes", {{"Policy", deep_policy(60'000)}}}},
        error_code::invalid_attribute_value, "Invalid value for the parameter Policy.");
  EXPECT_EQ(all_attributes(url), before);
  EXPECT_EQ(queue_urls(), json::array({url}));

  ok("AddPermission",
     {{"QueueUrl", url}, {"Label", "l1"}, {"AWSAccountIds", {"111122223333"}}, {"Actions", {"SendMessage"}}});
  const json policy = json::parse(attribute(url, "Policy"));
  ASSERT_EQ(policy["Statement"].size(), 1u) << policy.dump();
  EXPECT_EQ(policy["Statement"][0]["Sid"], "l1");
  fails("RemovePermission", {{"QueueUrl", url}, {"Label", "l2"}}, error_code::invalid_parameter_value,
        "Value l2 for parameter Label is invalid. Reason: can't find label.");
  ok("RemovePermission", {{"QueueUrl", url}, {"Label", "l1"}});
  EXPECT_EQ(attribute(url, "Policy"), "");
}

TEST_F(hostile_test, policy_within_the_bound_is_kept_byte_for_byte) {
  const std::string url = create("shared");
  // 31 levels inside Statement plus the document itself: 32, the bound.
  const std::string policy = deep_policy(31);
  ok("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"Policy", policy}}}});
  EXPECT_EQ(attribute(url, "Policy"), policy);
}

TEST_F(hostile_test, policy_past_the_size_quota_is_refused) {
  const std::string url = create("shared");
  // "Amazon SQS policy quotas": 8,192 bytes.
  const std::string padding(8'192, 'x');
  const std::string policy = json{{"Version", "2012-10-17"}, {"Id", padding}}.dump();
  fails("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"Policy", policy}}}},
        error_code::invalid_attribute_value, "Invalid value for the parameter Policy.");
  const std::string fits = json{{"Version", "2012-10-17"}, {"Id", std::string(8'000, 'x')}}.dump();
  ok("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"Policy", fits}}}});
}

TEST_F(hostile_test, redrive_allow_policy_is_bounded_too) {
  const std::string url = create("dlq");
  fails(
      "SetQueueAttributes",
      {{"QueueUrl", url}, {"Attributes", {{"RedriveAllowPolicy", "{\"a\":" + nested_arrays(100'000) + "}"}}}},
      error_code::invalid_attribute_value, "Invalid value for the parameter RedriveAllowPolicy.");
  EXPECT_EQ(attribute(url, "RedriveAllowPolicy"), "");
}

TEST_F(hostile_test, add_permission_checks_its_counts_and_names_before_editing) {
  const std::string url = create("shared");
  const json base = {{"QueueUrl", url}, {"Label", "l1"}, {"AWSAccountIds", {"111122223333"}}};
  json request = base;
  request["Actions"] = {
      "SendMessage",        "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
      "GetQueueAttributes", "GetQueueUrl",    "PurgeQueue",    "ListDeadLetterSourceQueues"};
  fails("AddPermission", request, error_code::over_limit, "8 Actions were found, maximum allowed is 7.");
  request["Actions"] = {"DeleteQueue"};
  fails(
      "AddPermission", request, error_code::invalid_parameter_value,
      "Value SQS:DeleteQueue for parameter ActionName is invalid. Reason: Only the queue owner is allowed to "
      "invoke this action.");
  request["Actions"] = {"Fly"};
  fails(
      "AddPermission", request, error_code::invalid_parameter_value,
      "Value SQS:Fly for parameter ActionName is invalid. Reason: Please refer to the appropriate WSDL for a "
      "list of valid actions.");
  request = base;
  request["Actions"] = {"SendMessage"};
  request["Label"] = "has space";
  fails("AddPermission", request, error_code::invalid_parameter_value,
        "Label can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  request["Label"] = "l1";
  // Not text, so it could not be stored in the policy: refused like an unknown account.
  request["AWSAccountIds"] = {std::string("\xC0\xAF")};
  fails("AddPermission", request, error_code::invalid_parameter_value,
        "Value [?] for parameter PrincipalId is invalid. Reason: Unable to verify.");
  EXPECT_EQ(attribute(url, "Policy"), "");
}

// ---- finding 9: message contents, Number attributes, tag counts -----------------------------

TEST_F(hostile_test, overlong_utf8_in_a_body_is_invalid_message_contents) {
  const std::string url = create("q");
  const std::string invalid =
      "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to "
      "#xFFFD | #x10000 to #x10FFFF";
  // C0 AF and E0 80 AF are '/' in two and three bytes; C1 BF is DEL (allowed-looking 0x7F).
  for (const std::string body :
       {"a\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF", "\xED\xA0\x80"}) {
    fails("SendMessage", {{"QueueUrl", url}, {"MessageBody", body}}, error_code::invalid_message_contents,
          invalid);
  }
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
}

TEST_F(hostile_test, number_attributes_out_of_range_or_too_precise_are_refused) {
  const std::string url = create("q");
  const auto number = [&](const std::string& value) {
    return json{{"QueueUrl", url},
                {"MessageBody", "x"},
                {"MessageAttributes", {{"n", {{"DataType", "Number"}, {"StringValue", value}}}}}};
  };
  for (const std::string& value :
       {std::string("1e999999"), std::string("-1e999999"), std::string("1e-999999"), std::string("1.1e126"),
        std::string("1e127"), std::string("1e-129"), std::string(39, '7'),
        std::string("1e99999999999999999999999")}) {
    SCOPED_TRACE(value);
    fails("SendMessage", number(value), error_code::invalid_parameter_value,
          "Can't cast the value of message (user) attribute 'n' to a number.");
  }
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "0");
  ok("SendMessage", number("1e126"));
  ok("SendMessage", number("-1e-128"));
  ok("SendMessage", number(std::string(38, '7')));
  EXPECT_EQ(attribute(url, "ApproximateNumberOfMessages"), "3");
}

TEST_F(hostile_test, create_queue_enforces_the_tag_limit_before_creating) {
  json tags = json::object();
  for (int i = 0; i < 100'000; ++i) tags["k" + std::to_string(i)] = "v";
  fails("CreateQueue", {{"QueueName", "tagged"}, {"tags", tags}}, error_code::invalid_parameter_value,
        "Too many tags added for queue tagged.");
  json fifty_one = json::object();
  for (int i = 0; i < 51; ++i) fifty_one["k" + std::to_string(i)] = "v";
  fails("CreateQueue", {{"QueueName", "tagged"}, {"tags", fifty_one}}, error_code::invalid_parameter_value,
        "Too many tags added for queue tagged.");
  EXPECT_EQ(queue_urls(), json::array());
  fifty_one.erase("k0");
  const std::string url =
      ok("CreateQueue", {{"QueueName", "tagged"}, {"tags", fifty_one}}).value("QueueUrl", "");
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}})["Tags"].size(), 50u);
}

TEST_F(hostile_test, tag_queue_refuses_too_many_and_keeps_the_old_tags) {
  const std::string url = ok("CreateQueue", {{"QueueName", "tagged"}, {"tags", {{"team", "a"}}}})["QueueUrl"];
  json tags = json::object();
  for (int i = 0; i < 100'000; ++i) tags["k" + std::to_string(i)] = "v";
  fails("TagQueue", {{"QueueUrl", url}, {"Tags", tags}}, error_code::invalid_parameter_value,
        "Too many tags added for queue tagged.");
  json fifty = json::object();
  for (int i = 0; i < 50; ++i) fifty["k" + std::to_string(i)] = "v";
  // 50 new ones and the one already there make 51.
  fails("TagQueue", {{"QueueUrl", url}, {"Tags", fifty}}, error_code::invalid_parameter_value,
        "Too many tags added for queue tagged.");
  fails("TagQueue", {{"QueueUrl", url}, {"Tags", {{"k", std::string("\xC0\xAF")}}}},
        error_code::invalid_parameter_value, "Tag keys and values must be valid Unicode text.");
  EXPECT_EQ(ok("ListQueueTags", {{"QueueUrl", url}})["Tags"], json({{"team", "a"}}));
}

TEST_F(hostile_test, unknown_members_beside_attribute_values_are_not_kept) {
  const std::string url = create("q");
  const json extra = json::parse(nested_arrays(100));
  send(url, "x",
       {{"MessageAttributes", {{"a", {{"DataType", "String"}, {"StringValue", "v"}, {"Extra", extra}}}}},
        {"MessageSystemAttributes",
         {{"AWSTraceHeader", {{"DataType", "String"}, {"StringValue", "t"}, {"Extra", extra}}}}}});
  const json got = receive(url, {{"MessageAttributeNames", {"All"}}, {"AttributeNames", {"All"}}});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]["MessageAttributes"], json({{"a", {{"DataType", "String"}, {"StringValue", "v"}}}}));
  EXPECT_EQ(got[0]["Attributes"]["AWSTraceHeader"], "t");
}

TEST_F(hostile_test, members_of_the_wrong_json_type_get_sqs_errors_not_library_text) {
  const std::string url = create("q");
  // A batch entry Id given as a number was read as text by the checks and then as a string.
  const json sent =
      ok("SendMessageBatch", {{"QueueUrl", url}, {"Entries", {{{"Id", 5}, {"MessageBody", "x"}}}}});
  ASSERT_EQ(sent["Successful"].size(), 1u) << sent.dump();
  EXPECT_EQ(sent["Successful"][0]["Id"], "5");
  fails("SendMessage",
        {{"QueueUrl", url},
         {"MessageBody", "x"},
         {"MessageSystemAttributes", {{"AWSTraceHeader", {{"DataType", 5}, {"StringValue", "t"}}}}}},
        error_code::invalid_parameter_value,
        "Message system attribute 'AWSTraceHeader' must contain a non-empty value of type 'String'.");
  // A policy statement that is not an object (set by SetQueueAttributes) is skipped, not a
  // type error, when AddPermission looks for a duplicate label.
  const std::string odd = R"({"Statement":[1,"s",{"Sid":7}]})";
  ok("SetQueueAttributes", {{"QueueUrl", url}, {"Attributes", {{"Policy", odd}}}});
  ok("AddPermission",
     {{"QueueUrl", url}, {"Label", "l1"}, {"AWSAccountIds", {"111122223333"}}, {"Actions", {"SendMessage"}}});
  EXPECT_EQ(json::parse(attribute(url, "Policy"))["Statement"].size(), 4u);
  ok("RemovePermission", {{"QueueUrl", url}, {"Label", "l1"}});
  EXPECT_EQ(json::parse(attribute(url, "Policy"))["Statement"], json::parse(R"([1,"s",{"Sid":7}])"));
}

}  // namespace
}  // namespace fogbank::sqs

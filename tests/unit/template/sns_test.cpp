// SNS resources in templates (types_sns.cpp, sam_sns.cpp): topics with their inline
// subscriptions, AWS::SNS::Subscription with its attributes, AWS::SNS::TopicPolicy, a SAM
// function's SNS event, deployed into a real emulator; Ref and Fn::GetAtt as CloudFormation's
// template reference documents them (topic: Ref = ARN, TopicArn, TopicName).

#include "emulator_calls.hpp"
#include "template_fixture.hpp"

#include "fogbank/dispatch/client.hpp"
#include "fogbank/main/emulator.hpp"

#include <string>

namespace fogbank::templates::testing {
namespace {

const std::string arn_prefix = "arn:aws:sns:us-east-1:000000000000:";

const std::string topics_v1 = R"(Resources:
  Events:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: events
      DisplayName: the events
      Subscription: [{Protocol: sqs, Endpoint: !GetAtt Inbox.Arn}]
      Tags: [{Key: team, Value: core}]
  Ordered:
    Type: AWS::SNS::Topic
    Properties: {FifoTopic: true, ContentBasedDeduplication: true}
  Inbox:
    Type: AWS::SQS::Queue
    Properties: {QueueName: inbox}
  Raw:
    Type: AWS::SQS::Queue
    Properties: {QueueName: raw}
  RawSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Events
      Protocol: sqs
      Endpoint: !GetAtt Raw.Arn
      RawMessageDelivery: true
      FilterPolicy: {kind: [order]}
      FilterPolicyScope: MessageBody
  Policy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref Events]
      PolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: "*", Action: "sns:Publish", Resource: !Ref Events}]
Outputs:
  EventsRef: {Value: !Ref Events}
  EventsArn: {Value: !GetAtt Events.TopicArn}
  EventsName: {Value: !GetAtt Events.TopicName}
  OrderedName: {Value: !GetAtt Ordered.TopicName}
  RawSubscriptionArn: {Value: !Ref RawSubscription}
)";

class TemplateSns : public ::testing::Test {
 protected:
  load_result load(const emulator& e, const std::string& text) {
    const auto file = dir.write("app.yaml", text);
    load_options options;
    options.state_dir = dir.path() / "state";
    return deploy(e.client(), read_template(file), options);
  }

  static std::string output(const load_result& result, const std::string& name) {
    for (const auto& [key, value] : result.outputs) {
      if (key == name) return value;
    }
    ADD_FAILURE() << "no output " << name;
    return "";
  }

  static const resource_outcome& outcome(const load_result& result, const std::string& logical_id) {
    for (const resource_outcome& r : result.resources) {
      if (r.logical_id == logical_id) return r;
    }
    ADD_FAILURE() << "no outcome for " << logical_id;
    static const resource_outcome none;
    return none;
  }

  static json receive(const emulator& e, const std::string& queue) {
    const std::string url = must(e, "sqs", "GetQueueUrl", {{"QueueName", queue}})["QueueUrl"];
    return must(e, "sqs", "ReceiveMessage", {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}})
        .value("Messages", json::array());
  }

  temp_dir dir;
};

TEST_F(TemplateSns, TopicsSubscriptionsAndPolicyAreMadeAsTheTemplateSays) {
  auto e = open_emulator();
  const load_result result = load(*e, topics_v1);
  for (const char* id : {"Events", "Ordered", "RawSubscription", "Policy"}) {
    EXPECT_EQ(outcome(result, id).action, resource_action::created) << id;
  }
  EXPECT_EQ(output(result, "EventsRef"), arn_prefix + "events");
  EXPECT_EQ(output(result, "EventsArn"), arn_prefix + "events");
  EXPECT_EQ(output(result, "EventsName"), "events");
  // A generated FIFO topic name: <stack>-<logicalId>-<random>.fifo.
  const std::string ordered = output(result, "OrderedName");
  EXPECT_EQ(ordered.rfind("app-Ordered-", 0), 0u) << ordered;
  EXPECT_TRUE(ordered.ends_with(".fifo")) << ordered;
  const json ordered_attributes =
      must(*e, "sns", "GetTopicAttributes", {{"TopicArn", arn_prefix + ordered}})["Attributes"];
  EXPECT_EQ(ordered_attributes.value("FifoTopic", ""), "true") << ordered_attributes.dump();
  EXPECT_EQ(ordered_attributes.value("ContentBasedDeduplication", ""), "true") << ordered_attributes.dump();

  const json events =
      must(*e, "sns", "GetTopicAttributes", {{"TopicArn", arn_prefix + "events"}})["Attributes"];
  EXPECT_EQ(events.value("DisplayName", ""), "the events");
  EXPECT_EQ(json::parse(events.value("Policy", "{}"))["Statement"][0]["Action"], "sns:Publish")
      << events.dump();
  const json tags = must(*e, "sns", "ListTagsForResource", {{"ResourceArn", arn_prefix + "events"}})["Tags"];
  EXPECT_EQ(tags, json::parse(R"([{"Key":"team","Value":"core"}])"));

  const std::string subscription = output(result, "RawSubscriptionArn");
  EXPECT_EQ(subscription.rfind(arn_prefix + "events:", 0), 0u) << subscription;
  const json attributes =
      must(*e, "sns", "GetSubscriptionAttributes", {{"SubscriptionArn", subscription}})["Attributes"];
  EXPECT_EQ(attributes.value("RawMessageDelivery", ""), "true") << attributes.dump();
  EXPECT_EQ(attributes.value("FilterPolicyScope", ""), "MessageBody") << attributes.dump();
  EXPECT_EQ(json::parse(attributes.value("FilterPolicy", "{}")), json::parse(R"({"kind":["order"]})"));

  // A publish reaches the inline subscription (the envelope) and, filtered by its body, the raw one.
  must(*e, "sns", "Publish", {{"TopicArn", arn_prefix + "events"}, {"Message", R"({"kind":"order"})"}});
  must(*e, "sns", "Publish", {{"TopicArn", arn_prefix + "events"}, {"Message", R"({"kind":"refund"})"}});
  e->run_until_idle();
  const json inbox = receive(*e, "inbox");
  ASSERT_EQ(inbox.size(), 2u) << inbox.dump();
  EXPECT_EQ(json::parse(inbox[0]["Body"].get<std::string>())["Type"], "Notification");
  const json raw = receive(*e, "raw");
  ASSERT_EQ(raw.size(), 1u) << raw.dump();
  EXPECT_EQ(raw[0]["Body"], R"({"kind":"order"})");
}

TEST_F(TemplateSns, ASecondLoadKeepsWhatIsUnchangedAndUpdatesWhatDiffers) {
  auto e = open_emulator();
  const load_result first = load(*e, topics_v1);
  const load_result same = load(*e, topics_v1);
  for (const char* id : {"Events", "Ordered", "RawSubscription", "Policy"}) {
    EXPECT_EQ(outcome(same, id).action, resource_action::unchanged) << id;
  }
  EXPECT_EQ(output(same, "RawSubscriptionArn"), output(first, "RawSubscriptionArn"));
  EXPECT_EQ(output(same, "OrderedName"), output(first, "OrderedName"));

  std::string changed = topics_v1;
  changed.replace(changed.find("DisplayName: the events"), 23, "DisplayName: renamed");
  changed.replace(changed.find("RawMessageDelivery: true"), 24, "RawMessageDelivery: false");
  const load_result second = load(*e, changed);
  EXPECT_EQ(outcome(second, "Events").action, resource_action::updated);
  EXPECT_EQ(outcome(second, "RawSubscription").action, resource_action::updated);
  EXPECT_EQ(must(*e, "sns", "GetTopicAttributes",
                 {{"TopicArn", arn_prefix + "events"}})["Attributes"]["DisplayName"],
            "renamed");
  EXPECT_EQ(
      must(*e, "sns", "GetSubscriptionAttributes",
           {{"SubscriptionArn", output(second, "RawSubscriptionArn")}})["Attributes"]["RawMessageDelivery"],
      "false");
  const json listed = must(*e, "sns", "ListSubscriptionsByTopic", {{"TopicArn", arn_prefix + "events"}});
  EXPECT_EQ(listed["Subscriptions"].size(), 2u) << listed.dump();
}

TEST_F(TemplateSns, ASamFunctionsSnsEventIsALambdaSubscriptionAndAPermission) {
  const read_text t(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Changes: {Type: AWS::SNS::Topic}
  Push:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): return event"
      Events:
        Changed:
          Type: SNS
          Properties: {Topic: !Ref Changes, FilterPolicy: {kind: [vote]}}
)");
  plan_options options;
  options.code_dir = dir.path();
  const stack_plan plan = plan_text(t, options);
  const planned_resource& subscription = resource(plan, "PushChanged");
  EXPECT_EQ(subscription.type, "AWS::SNS::Subscription");
  ASSERT_EQ(subscription.create.size(), 1u);
  const json& request = subscription.create.front().request;
  EXPECT_EQ(request["Protocol"], "lambda");
  EXPECT_EQ(request["Endpoint"],
            "arn:aws:lambda:us-east-1:000000000000:function:" + resource(plan, "Push").physical_id);
  EXPECT_EQ(request["TopicArn"], arn_prefix + resource(plan, "Changes").physical_id);
  EXPECT_EQ(json::parse(request["Attributes"]["FilterPolicy"].get<std::string>()),
            json::parse(R"({"kind":["vote"]})"));
  const planned_resource& permission = resource(plan, "PushChangedPermission");
  EXPECT_EQ(permission.type, "AWS::Lambda::Permission");
  EXPECT_EQ(permission.properties["Principal"], "sns.amazonaws.com");
  EXPECT_TRUE(t.events.empty()) << "an SNS event is translated, not recorded for later";
}

// samtranslator's push.py: SNS -> SQS (a new queue, or the one named) -> Lambda.
TEST_F(TemplateSns, ASamSnsEventWithSqsSubscriptionGoesThroughAQueue) {
  const read_text t(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  Changes: {Type: AWS::SNS::Topic}
  Existing: {Type: AWS::SQS::Queue}
  Push:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "def handler(event, context): return event"
      Events:
        Queued:
          Type: SNS
          Properties: {Topic: !Ref Changes, SqsSubscription: true}
        Named:
          Type: SNS
          Properties:
            Topic: !Ref Changes
            SqsSubscription: {QueueArn: !GetAtt Existing.Arn, QueueUrl: !Ref Existing, BatchSize: 2}
)");
  plan_options options;
  options.code_dir = dir.path();
  const stack_plan plan = plan_text(t, options);
  const std::string queue = resource(plan, "PushQueuedQueue").physical_id;
  const std::string queue_arn = "arn:aws:sqs:us-east-1:000000000000:" + queue;
  const planned_resource& subscription = resource(plan, "PushQueued");
  EXPECT_EQ(subscription.create.front().request["Protocol"], "sqs");
  EXPECT_EQ(subscription.create.front().request["Endpoint"], queue_arn);
  EXPECT_EQ(resource(plan, "PushQueuedEventSourceMapping").properties["EventSourceArn"], queue_arn);
  EXPECT_EQ(resource(plan, "PushQueuedEventSourceMapping").create.front().request["BatchSize"], 10);
  EXPECT_EQ(resource(plan, "PushQueuedQueuePolicy").type, "AWS::SQS::QueuePolicy");
  EXPECT_EQ(resource(plan, "PushNamedEventSourceMapping").create.front().request["BatchSize"], 2);
  EXPECT_EQ(resource(plan, "PushNamed").create.front().request["Endpoint"],
            "arn:aws:sqs:us-east-1:000000000000:" + resource(plan, "Existing").physical_id);
  for (const planned_resource& r : plan.resources) {
    EXPECT_EQ(r.logical_id.find("Permission"), std::string::npos)
        << r.logical_id << ": SQS invokes it, not SNS";
  }
  const template_error missing = plan_error(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      CodeUri: .
      Events:
        E: {Type: SNS, Properties: {Topic: arn:aws:sns:us-east-1:000000000000:t, SqsSubscription: {QueueArn: x}}}
)");
  EXPECT_NE(std::string(missing.what()).find("No QueueARN or QueueURL provided."), std::string::npos)
      << missing.what();
}

TEST_F(TemplateSns, BadSnsPropertiesAreRefusedWhereTheyAre) {
  const template_error topicless = plan_error(R"(Resources:
  S:
    Type: AWS::SNS::Subscription
    Properties: {Protocol: sqs, Endpoint: arn:aws:sqs:us-east-1:000000000000:q}
)");
  EXPECT_NE(std::string(topicless.what()).find("AWS::SNS::Subscription needs TopicArn"), std::string::npos)
      << topicless.what();
  const template_error inline_entry = plan_error(R"(Resources:
  T:
    Type: AWS::SNS::Topic
    Properties: {Subscription: [{Protocol: sqs}]}
)");
  EXPECT_NE(std::string(inline_entry.what()).find("a subscription is {Endpoint, Protocol}"),
            std::string::npos)
      << inline_entry.what();
  const template_error unknown = plan_error(R"(Resources:
  T:
    Type: AWS::SNS::Topic
    Properties: {Colour: blue}
)");
  EXPECT_NE(std::string(unknown.what()).find("Colour"), std::string::npos) << unknown.what();
  const template_error sam = plan_error(R"(Transform: AWS::Serverless-2016-10-31
Resources:
  F:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: echo.handler
      InlineCode: x
      Events:
        E: {Type: SNS, Properties: {Topic: arn:aws:sns:us-east-1:000000000000:t, Queue: x}}
)");
  EXPECT_NE(std::string(sam.what()).find("property Queue not defined for event of type SNS"),
            std::string::npos)
      << sam.what();
}

}  // namespace
}  // namespace fogbank::templates::testing

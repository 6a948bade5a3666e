// fogbank's SQS through the AWS SDK for JavaScript v3 (JSON protocol). Run by test_sqs_js.py:
//   node sqs_test.mjs <endpoint>
// Prints one JSON line {"sdk": version, "checks": n, "failures": [...]} and exits 1 on a failure.
// The SDK's SQS middleware checks the MD5 of every body it sends and receives.

import { readFileSync } from "node:fs";
import {
  SQSClient,
  CreateQueueCommand,
  GetQueueUrlCommand,
  SendMessageCommand,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  DeleteMessageCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  DeleteQueueCommand,
} from "@aws-sdk/client-sqs";

const endpoint = process.argv[2];
const client = new SQSClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDFOGBANKTEST", secretAccessKey: "fogbank-test-secret" },
  maxAttempts: 1,
});

const failures = [];
let checks = 0;
const check = (what, expected, actual) => {
  checks += 1;
  const e = JSON.stringify(expected);
  const a = JSON.stringify(actual);
  if (e !== a) failures.push({ check: what, expected, actual });
};

async function main() {
  const name = `js-${process.pid}-${Date.now()}`;
  const { QueueUrl: url } = await client.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "30" } }),
  );
  check("queue url", `${endpoint}/000000000000/${name}`, url);
  check("get url", url, (await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl);

  // send / receive / delete, with message attributes of each type
  const body = "hello from js\r\n✓";
  const sent = await client.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      MessageAttributes: {
        color: { DataType: "String", StringValue: "red" },
        n: { DataType: "Number", StringValue: "7" },
        raw: { DataType: "Binary", BinaryValue: new Uint8Array([0, 1, 255]) },
      },
    }),
  );
  check("send has id", true, typeof sent.MessageId === "string");
  check("send has attributes md5", true, typeof sent.MD5OfMessageAttributes === "string");
  const got = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MessageAttributeNames: ["All"],
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      WaitTimeSeconds: 1,
    }),
  );
  const m = (got.Messages ?? [])[0] ?? {};
  check("received id", sent.MessageId, m.MessageId);
  check("received body", body, m.Body);
  check("string attribute", "red", m.MessageAttributes?.color?.StringValue);
  check("number attribute", "7", m.MessageAttributes?.n?.StringValue);
  check("binary attribute", [0, 1, 255], Array.from(m.MessageAttributes?.raw?.BinaryValue ?? []));
  check("receive count", "1", m.Attributes?.ApproximateReceiveCount);
  await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));

  // a batch
  const batch = await client.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: "a", MessageBody: "one" },
        { Id: "b", MessageBody: "two" },
        { Id: "c", MessageBody: "three" },
      ],
    }),
  );
  check("batch successful", ["a", "b", "c"], (batch.Successful ?? []).map((e) => e.Id).sort());
  check("batch failed", 0, (batch.Failed ?? []).length);
  const many = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
  const msgs = many.Messages ?? [];
  check("batch bodies", ["one", "three", "two"], msgs.map((x) => x.Body).sort());
  const deleted = await client.send(
    new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: msgs.map((x, i) => ({ Id: `d${i}`, ReceiptHandle: x.ReceiptHandle })),
    }),
  );
  check("batch deleted", msgs.length, (deleted.Successful ?? []).length);
  const attrs = await client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
  );
  check("empty after delete", "0", attrs.Attributes?.ApproximateNumberOfMessages);
  check("none in flight", "0", attrs.Attributes?.ApproximateNumberOfMessagesNotVisible);

  // an error
  try {
    await client.send(new GetQueueUrlCommand({ QueueName: `${name}-absent` }));
    failures.push({ check: "missing queue", expected: "QueueDoesNotExist", actual: "success" });
  } catch (err) {
    check("error name", "QueueDoesNotExist", err.name);
    check("error message", "The specified queue does not exist.", err.message);
    check("error status", 400, err.$metadata?.httpStatusCode);
    check("error fault", "client", err.$fault);
  }

  await client.send(new DeleteQueueCommand({ QueueUrl: url }));
}

let sdk = "unknown";
try {
  sdk = JSON.parse(
    readFileSync(new URL("./node_modules/@aws-sdk/client-sqs/package.json", import.meta.url)),
  ).version;
} catch {
  // reported as unknown
}

main()
  .catch((err) => failures.push({ check: "unexpected error", expected: null, actual: `${err.name}: ${err.message}` }))
  .finally(() => {
    console.log(JSON.stringify({ sdk, checks, failures }));
    process.exitCode = failures.length ? 1 : 0;
  });

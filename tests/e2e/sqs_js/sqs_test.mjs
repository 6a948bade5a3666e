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
  ListQueuesCommand,
  SetQueueAttributesCommand,
  ChangeMessageVisibilityCommand,
  ChangeMessageVisibilityBatchCommand,
  PurgeQueueCommand,
  TagQueueCommand,
  UntagQueueCommand,
  ListQueueTagsCommand,
  ListDeadLetterSourceQueuesCommand,
  StartMessageMoveTaskCommand,
  ListMessageMoveTasksCommand,
  CancelMessageMoveTaskCommand,
  AddPermissionCommand,
  RemovePermissionCommand,
  paginateListQueues,
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
// Compares JSON forms, with object keys sorted (key order is not part of any SQS answer).
const canonical = (value) =>
  JSON.stringify(value, (_, v) =>
    v && typeof v === "object" && !Array.isArray(v) && !ArrayBuffer.isView(v)
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
      : v,
  );
const check = (what, expected, actual) => {
  checks += 1;
  const e = canonical(expected);
  const a = canonical(actual);
  if (e !== a) failures.push({ check: what, expected, actual });
};

async function basics() {
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

// ---- helpers for the sections below ---------------------------------------------------------

const send = (command) => client.send(command);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let queueCounter = 0;
const queueName = (prefix) => `js-${prefix}-${process.pid}-${Date.now()}-${++queueCounter}`;

async function newQueue(prefix, attributes = {}, extra = {}) {
  const name = queueName(prefix) + (attributes.FifoQueue === "true" ? ".fifo" : "");
  const { QueueUrl } = await send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, ...extra }));
  return { name, url: QueueUrl };
}

async function queueAttributes(url, names = ["All"]) {
  return (await send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }))).Attributes ?? {};
}

async function counts(url) {
  const a = await queueAttributes(url, [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
  ]);
  return [a.ApproximateNumberOfMessages, a.ApproximateNumberOfMessagesNotVisible, a.ApproximateNumberOfMessagesDelayed];
}

async function receive(url, options = {}) {
  return (await send(new ReceiveMessageCommand({ QueueUrl: url, ...options }))).Messages ?? [];
}

// The call must fail with this error name (and HTTP status; message: exact string or RegExp).
async function expectError(what, promise, name, status = 400, message = undefined) {
  try {
    const result = await promise;
    failures.push({ check: what, expected: name, actual: `success: ${JSON.stringify(result).slice(0, 300)}` });
  } catch (err) {
    check(`${what}: error name`, name, err.name);
    check(`${what}: http status`, status, err.$metadata?.httpStatusCode);
    check(`${what}: fault`, "client", err.$fault);
    if (message instanceof RegExp) check(`${what}: message ${message}`, true, message.test(err.message));
    else if (message !== undefined) check(`${what}: message`, message, err.message);
  }
}

// Runs one group of checks; an unexpected exception fails the group but not the others.
async function section(title, fn) {
  try {
    await fn();
  } catch (err) {
    failures.push({ check: `${title}: unexpected error`, expected: null, actual: `${err.name}: ${err.message}` });
  }
}

// ---- queues -----------------------------------------------------------------------------------

async function queues() {
  // create with attributes and tags; idempotent re-create; refusal on a different value
  const { name, url } = await newQueue("create", { VisibilityTimeout: "45", DelaySeconds: "0" }, {
    tags: { team: "payments" },
  });
  check("create: url", `${endpoint}/000000000000/${name}`, url);
  check("create: same attributes is idempotent", url,
    (await send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "45" } }))).QueueUrl);
  await expectError("create: different attributes",
    send(new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: "46" } })),
    "QueueNameExists", 400, /VisibilityTimeout/);
  await expectError("create: invalid name", send(new CreateQueueCommand({ QueueName: "bad name!" })),
    "InvalidParameterValue", 400);
  const attrs = await queueAttributes(url);
  check("attributes: VisibilityTimeout", "45", attrs.VisibilityTimeout);
  check("attributes: arn", `arn:aws:sqs:us-east-1:000000000000:${name}`, attrs.QueueArn);
  check("attributes: empty counts", ["0", "0", "0"], await counts(url));
  check("tags at creation", { team: "payments" }, (await send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags);

  // set-queue-attributes, and a refused value that changes nothing
  await send(new SetQueueAttributesCommand({
    QueueUrl: url, Attributes: { VisibilityTimeout: "10", MaximumMessageSize: "2048" },
  }));
  check("set attributes", { VisibilityTimeout: "10", MaximumMessageSize: "2048" },
    await queueAttributes(url, ["VisibilityTimeout", "MaximumMessageSize"]));
  await expectError("set: invalid value",
    send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: "99999" } })),
    "InvalidAttributeValue", 400);
  check("set: refused value changed nothing", "10", (await queueAttributes(url, ["VisibilityTimeout"])).VisibilityTimeout);

  // list-queues: prefix, MaxResults / NextToken paging, and the SDK's paginator
  const prefix = queueName("page");
  const urls = [];
  for (let i = 0; i < 5; i += 1) {
    urls.push((await send(new CreateQueueCommand({ QueueName: `${prefix}-${i}` }))).QueueUrl);
  }
  urls.sort();
  check("list: prefix", urls, [...((await send(new ListQueuesCommand({ QueueNamePrefix: prefix }))).QueueUrls ?? [])].sort());
  check("list: no match", undefined,
    (await send(new ListQueuesCommand({ QueueNamePrefix: `${prefix}-none` }))).QueueUrls?.length || undefined);
  const page1 = await send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 2 }));
  check("list: page size", 2, page1.QueueUrls?.length);
  check("list: has NextToken", "string", typeof page1.NextToken);
  const seen = [];
  let pages = 0;
  for await (const page of paginateListQueues({ client, pageSize: 2 }, { QueueNamePrefix: prefix })) {
    seen.push(...(page.QueueUrls ?? []));
    pages += 1;
    if (pages > 10) break;
  }
  check("list: paginator pages", 3, pages);
  check("list: paginator urls", urls, [...seen].sort());
  await expectError("list: MaxResults 1001",
    send(new ListQueuesCommand({ MaxResults: 1001 })), "InvalidParameterValue", 400);

  // tags
  await send(new TagQueueCommand({ QueueUrl: url, Tags: { env: "test", team: "orders" } }));
  check("tag", { team: "orders", env: "test" }, (await send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags);
  await send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["team"] }));
  check("untag", { env: "test" }, (await send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags);
  await send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ["env"] }));
  check("untag all", undefined, (await send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags);

  // permissions
  await send(new AddPermissionCommand({
    QueueUrl: url, Label: "allow-send", AWSAccountIds: ["111122223333"], Actions: ["SendMessage"],
  }));
  const policy = JSON.parse((await queueAttributes(url, ["Policy"])).Policy ?? "{}");
  check("add permission: statement", ["allow-send"], (policy.Statement ?? []).map((st) => st.Sid));
  await send(new RemovePermissionCommand({ QueueUrl: url, Label: "allow-send" }));
  const after = JSON.parse((await queueAttributes(url, ["Policy"])).Policy || "{}");
  check("remove permission", [], (after.Statement ?? []).map((st) => st.Sid));
  await expectError("remove permission: unknown label",
    send(new RemovePermissionCommand({ QueueUrl: url, Label: "allow-send" })), "InvalidParameterValue", 400);

  // delete
  await send(new DeleteQueueCommand({ QueueUrl: url }));
  await expectError("deleted queue", send(new GetQueueUrlCommand({ QueueName: name })), "QueueDoesNotExist", 400,
    "The specified queue does not exist.");
}

// ---- messages ---------------------------------------------------------------------------------

async function messages() {
  const { url } = await newQueue("msgs");

  // delay: counted as delayed, not receivable; a long poll returns when the delay ends
  await send(new SendMessageCommand({ QueueUrl: url, MessageBody: "delayed", DelaySeconds: 1 }));
  check("delay: counts", ["0", "0", "1"], await counts(url));
  check("delay: not yet receivable", 0, (await receive(url)).length);
  let start = Date.now();
  const delayed = await receive(url, { WaitTimeSeconds: 5 });
  check("delay: received after the delay", ["delayed"], delayed.map((x) => x.Body));
  check("delay: long poll ended with the delay", true, Date.now() - start < 4500);
  await send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: delayed[0]?.ReceiptHandle }));

  // counts while messages are in flight
  await send(new SendMessageBatchCommand({
    QueueUrl: url, Entries: [0, 1, 2].map((i) => ({ Id: `i${i}`, MessageBody: `m${i}` })),
  }));
  const two = await receive(url, { MaxNumberOfMessages: 2, VisibilityTimeout: 60 });
  check("receive: max number", 2, two.length);
  check("counts with in-flight", ["1", "2", "0"], await counts(url));

  // change visibility: back at once, with a higher receive count
  await send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: two[0].ReceiptHandle, VisibilityTimeout: 0 }));
  const back = await receive(url, {
    MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["ApproximateReceiveCount"], VisibilityTimeout: 60,
  });
  check("change visibility: visible again", true, back.some((x) => x.MessageId === two[0].MessageId));
  check("change visibility: receive count", "2",
    back.find((x) => x.MessageId === two[0].MessageId)?.Attributes?.ApproximateReceiveCount);
  await expectError("change visibility: invalid handle",
    send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: "garbage", VisibilityTimeout: 0 })),
    "ReceiptHandleIsInvalid", 400);

  // change visibility batch, with one bad entry
  const inFlight = [two[1], ...back];
  const changed = await send(new ChangeMessageVisibilityBatchCommand({
    QueueUrl: url,
    Entries: [
      ...inFlight.map((x, i) => ({ Id: `c${i}`, ReceiptHandle: x.ReceiptHandle, VisibilityTimeout: 0 })),
      { Id: "bogus", ReceiptHandle: "not-a-handle", VisibilityTimeout: 0 },
    ],
  }));
  check("change visibility batch: successful", inFlight.map((_, i) => `c${i}`),
    (changed.Successful ?? []).map((e) => e.Id).sort());
  check("change visibility batch: failed", [["bogus", "ReceiptHandleIsInvalid", true]],
    (changed.Failed ?? []).map((e) => [e.Id, e.Code, e.SenderFault]));
  check("change visibility batch: all visible", ["3", "0", "0"], await counts(url));

  // visibility timeout on receive: a message comes back by itself
  const short = await receive(url, { MaxNumberOfMessages: 10, VisibilityTimeout: 1 });
  check("receive: all three", 3, short.length);
  check("receive: none left", 0, (await receive(url)).length);
  const again = await receive(url, { MaxNumberOfMessages: 10, WaitTimeSeconds: 5 });
  check("receive: visibility timeout expired", true, again.length > 0);

  // delete message batch, with one bad entry and the invalid handle error
  const all = [...again, ...(await receive(url, { MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }))];
  const deleted = await send(new DeleteMessageBatchCommand({
    QueueUrl: url,
    Entries: [
      ...all.map((x, i) => ({ Id: `d${i}`, ReceiptHandle: x.ReceiptHandle })),
      { Id: "bogus", ReceiptHandle: "not-a-handle" },
    ],
  }));
  check("delete batch: successful", all.length, (deleted.Successful ?? []).length);
  check("delete batch: failed", [["bogus", "ReceiptHandleIsInvalid", true]],
    (deleted.Failed ?? []).map((e) => [e.Id, e.Code, e.SenderFault]));
  check("delete batch: empty", ["0", "0", "0"], await counts(url));
  await expectError("delete: invalid handle",
    send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: "garbage" })), "ReceiptHandleIsInvalid", 400,
    'The input receipt handle "garbage" is not a valid receipt handle.');

  // batch errors
  await expectError("batch: duplicate ids", send(new SendMessageBatchCommand({
    QueueUrl: url, Entries: [{ Id: "x", MessageBody: "1" }, { Id: "x", MessageBody: "2" }],
  })), "BatchEntryIdsNotDistinct", 400, "Id x repeated.");
  await expectError("batch: too many", send(new SendMessageBatchCommand({
    QueueUrl: url, Entries: Array.from({ length: 11 }, (_, i) => ({ Id: `i${i}`, MessageBody: "b" })),
  })), "TooManyEntriesInBatchRequest", 400);
  await expectError("receive: MaxNumberOfMessages 11",
    send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 })), "InvalidParameterValue", 400);

  // long poll returns when a message arrives
  start = Date.now();
  const sender = sleep(1000).then(() => send(new SendMessageCommand({ QueueUrl: url, MessageBody: "wake up" })));
  const woken = await receive(url, { WaitTimeSeconds: 10 });
  await sender;
  const elapsed = Date.now() - start;
  check("long poll: message", ["wake up"], woken.map((x) => x.Body));
  check("long poll: waited for the send", true, elapsed >= 900);
  check("long poll: returned on arrival", true, elapsed < 8000);

  // purge, and a second purge within 60 s
  await send(new SendMessageCommand({ QueueUrl: url, MessageBody: "to purge" }));
  await send(new PurgeQueueCommand({ QueueUrl: url }));
  check("purge: empty", ["0", "0", "0"], await counts(url));
  check("purge: nothing to receive", 0, (await receive(url)).length);
  await expectError("purge: again within 60 s", send(new PurgeQueueCommand({ QueueUrl: url })),
    "PurgeQueueInProgress", 403, /every 60 seconds/);

  // a queue that does not exist
  const missing = `${endpoint}/000000000000/${queueName("missing")}`;
  await expectError("send: missing queue", send(new SendMessageCommand({ QueueUrl: missing, MessageBody: "x" })),
    "QueueDoesNotExist", 400, "The specified queue does not exist.");
  await expectError("receive: missing queue", send(new ReceiveMessageCommand({ QueueUrl: missing })),
    "QueueDoesNotExist", 400);
}

// ---- dead-letter queues -----------------------------------------------------------------------

async function deadLetters() {
  const dlq = await newQueue("dlq");
  const dlqArn = (await queueAttributes(dlq.url, ["QueueArn"])).QueueArn;
  const src = await newQueue("src", {
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }),
  });
  const srcArn = (await queueAttributes(src.url, ["QueueArn"])).QueueArn;
  check("dlq sources", [src.url], (await send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url }))).queueUrls);

  // redrive after maxReceiveCount (1) receives
  const sent = await send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: "poison" }));
  const first = await receive(src.url);
  check("redrive: first receive", ["poison"], first.map((x) => x.Body));
  await send(new ChangeMessageVisibilityCommand({ QueueUrl: src.url, ReceiptHandle: first[0]?.ReceiptHandle, VisibilityTimeout: 0 }));
  check("redrive: not received again", 0, (await receive(src.url)).length);
  check("redrive: in the dead-letter queue", ["1", "0", "0"], await counts(dlq.url));

  // move it back with a message move task
  const { TaskHandle: handle } = await send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
  check("move task: handle", "string", typeof handle);
  let tasks = [];
  for (let i = 0; i < 40; i += 1) {
    tasks = (await send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn, MaxResults: 10 }))).Results ?? [];
    if (tasks[0]?.Status !== "RUNNING") break;
    await sleep(250);
  }
  check("move task: listed", 1, tasks.length);
  check("move task: completed", "COMPLETED", tasks[0]?.Status);
  check("move task: source", dlqArn, tasks[0]?.SourceArn);
  check("move task: moved", 1, tasks[0]?.ApproximateNumberOfMessagesMoved);
  check("move task: dead-letter queue empty", ["0", "0", "0"], await counts(dlq.url));
  const redriven = await receive(src.url, { WaitTimeSeconds: 2 });
  check("move task: back in the source", [sent.MessageId], redriven.map((x) => x.MessageId));
  await expectError("move task: cancel a finished task",
    send(new CancelMessageMoveTaskCommand({ TaskHandle: handle })), "InvalidParameterValue", 400);
  await expectError("move task: source is not a dead-letter queue",
    send(new StartMessageMoveTaskCommand({ SourceArn: srcArn })), "InvalidParameterValue", 400);
  await expectError("move task: unknown source",
    send(new StartMessageMoveTaskCommand({ SourceArn: `${dlqArn}-absent` })), "ResourceNotFoundException", 400);
}

// ---- FIFO -------------------------------------------------------------------------------------

async function fifo() {
  const { url } = await newQueue("fifo", { FifoQueue: "true", ContentBasedDeduplication: "true" });
  const ids = [];
  const seqs = [];
  for (let i = 0; i < 5; i += 1) {
    const r = await send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}`, MessageGroupId: "g" }));
    ids.push(r.MessageId);
    seqs.push(BigInt(r.SequenceNumber ?? "0"));
  }
  check("fifo: sequence numbers increase", true, seqs.every((v, i) => i === 0 || v > seqs[i - 1]));
  check("fifo: content dedup", ids[0],
    (await send(new SendMessageCommand({ QueueUrl: url, MessageBody: "m0", MessageGroupId: "g" }))).MessageId);
  const d1 = await send(new SendMessageCommand({ QueueUrl: url, MessageBody: "a", MessageGroupId: "h", MessageDeduplicationId: "d1" }));
  check("fifo: explicit dedup", d1.MessageId, (await send(new SendMessageCommand({
    QueueUrl: url, MessageBody: "b", MessageGroupId: "h", MessageDeduplicationId: "d1",
  }))).MessageId);
  check("fifo: counts", ["6", "0", "0"], await counts(url));
  const got = await receive(url, { MaxNumberOfMessages: 10, MessageSystemAttributeNames: ["All"] });
  check("fifo: group order", ["m0", "m1", "m2", "m3", "m4"],
    got.filter((x) => x.Attributes?.MessageGroupId === "g").map((x) => x.Body));
  check("fifo: all received", 6, got.length);
  check("fifo: group locked while in flight", 0, (await receive(url)).length);
  await expectError("fifo: missing group id", send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })),
    "MissingParameter", 400, "The request must contain the parameter MessageGroupId.");
}

async function main() {
  await section("basics", basics);
  await section("queues", queues);
  await section("messages", messages);
  await section("dead letters", deadLetters);
  await section("fifo", fifo);
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

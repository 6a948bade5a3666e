// worker.mjs: the backup worker of seed 000 (SQS event source, batch size 1). For a job
// `{publicationId, userId}` it reads the publication's posts and backs them up one at a time to the
// commit sink, records a result per post, and pushes `n/m done` to every connection of the user
// (found through the connections table's GSI `byUserId`), deleting connections that answer 410.
//
// The commit sink stands in for GitHub, which refuses two commits at once: the commits table
// holds one branch per publication, a head ref (seq 0) and the commits 1, 2, ... A commit is one
// transaction that moves the head from the parent it was made on to the next seq and puts the
// commit there, on the conditions that the head is still that parent and the seq is free. A commit
// made in parallel with another, or on a parent that is no longer the head, fails; the worker then
// reads the head again and commits on top of it, so the branch stays one line in commit order.
//
// A job whose publication has no posts (an unknown publication) or whose body is not a job throws:
// the message comes back after the queue's visibility timeout and, after the queue's
// maxReceiveCount, its RedrivePolicy moves it to the dead-letter queue.
import { createHash } from 'node:crypto';
import {
  DynamoDBClient, QueryCommand, GetItemCommand, TransactWriteItemsCommand, PutItemCommand, DeleteItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';

const ddb = new DynamoDBClient({});
const { POSTS_TABLE, COMMITS_TABLE, RESULTS_TABLE, CONNECTIONS_TABLE } = process.env;
// Every refused commit means another writer's commit went in, so retries always make progress;
// the bound only stops a sink that refuses for another reason.
const MAX_COMMIT_ATTEMPTS = 20;
const HEAD_SEQ = 0;
// https:// as on AWS; the template's ManagementScheme parameter can make it http:// (a server
// started without TLS).
const MANAGEMENT_SCHEME = process.env.MANAGEMENT_SCHEME || 'https';

const managementApis = new Map();
function managementApi(connection) {
  const endpoint = `${MANAGEMENT_SCHEME}://${connection.domainName.S}/${connection.stage.S}`;
  if (!managementApis.has(endpoint)) managementApis.set(endpoint, new ApiGatewayManagementApiClient({ endpoint }));
  return managementApis.get(endpoint);
}

async function posts(publicationId) {
  const items = [];
  let ExclusiveStartKey;
  do {
    const page = await ddb.send(new QueryCommand({
      TableName: POSTS_TABLE,
      KeyConditionExpression: 'publicationId = :p',
      ExpressionAttributeValues: { ':p': { S: publicationId } },
      ConsistentRead: true,
      ExclusiveStartKey,
    }));
    items.push(...page.Items);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

async function readHead(branch) {
  const { Item } = await ddb.send(new GetItemCommand({
    TableName: COMMITS_TABLE,
    Key: { branch: { S: branch }, seq: { N: String(HEAD_SEQ) } },
    ConsistentRead: true,
  }));
  return Item ? { seq: Number(Item.head.N), commitId: Item.headCommit.S } : { seq: HEAD_SEQ, commitId: '' };
}

// Commits `post` on top of `parent` (the head as last seen); returns the new head.
async function commit(branch, parent, post) {
  const postId = post.postId.S;
  const content = `# ${post.title ? post.title.S : postId}\n\n${post.content ? post.content.S : ''}\n`;
  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
    const seq = parent.seq + 1;
    const commitId = createHash('sha1').update(`${parent.commitId}\n${postId}\n${content}`).digest('hex');
    try {
      await ddb.send(new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: COMMITS_TABLE,
              Key: { branch: { S: branch }, seq: { N: String(HEAD_SEQ) } },
              UpdateExpression: 'SET head = :seq, headCommit = :id',
              ConditionExpression: parent.seq === HEAD_SEQ ? 'attribute_not_exists(head)' : 'head = :parent',
              ExpressionAttributeValues: {
                ':seq': { N: String(seq) },
                ':id': { S: commitId },
                ...(parent.seq === HEAD_SEQ ? {} : { ':parent': { N: String(parent.seq) } }),
              },
            },
          },
          {
            Put: {
              TableName: COMMITS_TABLE,
              Item: {
                branch: { S: branch },
                seq: { N: String(seq) },
                commitId: { S: commitId },
                parent: { S: parent.commitId },
                postId: { S: postId },
                path: { S: `${postId}.md` },
                content: { S: content },
              },
              ConditionExpression: 'attribute_not_exists(seq)',
            },
          },
        ],
      }));
      return { seq, commitId };
    } catch (e) {
      if (e.name !== 'TransactionCanceledException') throw e;
      const head = await readHead(branch);
      console.log(`commit of ${postId} on ${branch}@${parent.seq} refused (head is at ${head.seq}); ` +
                  `committing again on top of it (attempt ${attempt + 1})`);
      parent = head;
    }
  }
  throw new Error(`commit of ${postId} on ${branch} refused ${MAX_COMMIT_ATTEMPTS} times`);
}

async function record(publicationId, userId, post, result) {
  await ddb.send(new PutItemCommand({
    TableName: RESULTS_TABLE,
    Item: {
      publicationId: { S: publicationId },
      postId: { S: post.postId.S },
      userId: { S: userId },
      ...result,
    },
  }));
}

// Sends `message` to every connection of `userId`; a connection that answers 410 Gone is deleted.
async function notify(userId, message) {
  const { Items } = await ddb.send(new QueryCommand({
    TableName: CONNECTIONS_TABLE,
    IndexName: 'byUserId',
    KeyConditionExpression: 'userId = :u',
    ExpressionAttributeValues: { ':u': { S: userId } },
  }));
  const data = JSON.stringify(message);
  // One at a time, in the order the index gives, so that every run posts in the same order.
  for (const connection of Items) {
    const connectionId = connection.connectionId.S;
    try {
      await managementApi(connection).send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: data }));
    } catch (e) {
      if (e.name !== 'GoneException' && !(e.$metadata && e.$metadata.httpStatusCode === 410)) throw e;
      console.log(`connection ${connectionId} of ${userId} is gone; deleting it`);
      await ddb.send(new DeleteItemCommand({
        TableName: CONNECTIONS_TABLE,
        Key: { connectionId: { S: connectionId } },
      }));
    }
  }
}

async function backup(job) {
  const { publicationId, userId } = job;
  if (typeof publicationId !== 'string' || typeof userId !== 'string') {
    throw new Error(`not a backup job: ${JSON.stringify(job)}`);
  }
  const all = await posts(publicationId);
  if (all.length === 0) throw new Error(`unknown publication ${publicationId}: it has no posts`);
  const branch = publicationId;
  let head = await readHead(branch);
  let done = 0;
  for (const post of all) {
    let status;
    try {
      head = await commit(branch, head, post);
      await record(publicationId, userId, post, {
        status: { S: 'backed-up' }, seq: { N: String(head.seq) }, commitId: { S: head.commitId },
      });
      status = 'backed-up';
    } catch (e) {
      console.error(`backup of ${post.postId.S} failed:`, e);
      await record(publicationId, userId, post, { status: { S: 'failed' }, error: { S: String(e.message) } });
      status = 'failed';
    }
    done += 1;
    await notify(userId, {
      publicationId, postId: post.postId.S, status, progress: `${done}/${all.length} done`,
    });
  }
  console.log(`backup of ${publicationId} for ${userId}: ${done} posts`);
}

export const handler = async (event) => {
  for (const record of event.Records) {
    await backup(JSON.parse(record.body));
  }
};

// common.js: what every route of the chat (seed 002, ChatScape) shares: the caller's namespace
// from the Cognito authorizer's claims, the proxy responses, and the request-body checks that
// answer 400 with a message saying what is wrong (the seed validates with Valibot; these checks
// are written out by hand so that the functions need nothing beyond the AWS SDK v3 that Lambda's
// Node.js runtimes carry).
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient, QueryCommand } = require('@aws-sdk/lib-dynamodb');

const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  marshallOptions: { removeUndefinedValues: true },
});

const CONTACTS_TABLE_NAME = process.env.CONTACTS_TABLE_NAME;
const MESSAGES_TABLE_NAME = process.env.MESSAGES_TABLE_NAME;
const SPA_URL = process.env.SPA_URL || '*';

// The separator of a message's compositeNamespace ("<sender>:::<recipient>"): a namespace that
// contains it would make two conversations share one key, so it is refused (as the seed does).
const NAMESPACE_SEPARATOR = ':::';
// Bounds on what a client may store; DynamoDB's own limit is 400 KB an item, far more than a chat
// line or a contact needs.
const MAX_NAME_LENGTH = 256;
const MAX_EMAIL_LENGTH = 320; // RFC 5321's 64-character local part, "@" and 255-character domain
const MAX_REPORT_LENGTH = 2000;
const MAX_MESSAGE_LENGTH = 4000;

function respond(statusCode, body) {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': SPA_URL },
    body: JSON.stringify(body),
  };
}

// A refusal: {"message": "..."}.
function refuse(statusCode, message) {
  return respond(statusCode, { message });
}

class RequestError extends Error {
  constructor(statusCode, message) {
    super(message);
    this.statusCode = statusCode;
  }
}

// The caller's namespace: the user pool's username, from the claims the Cognito authorizer put
// in the request context. Without it the caller is not a user of this app: 403.
function namespaceOf(event) {
  const claims = (event.requestContext && event.requestContext.authorizer &&
                  event.requestContext.authorizer.claims) || {};
  const namespace = claims['cognito:username'];
  if (typeof namespace !== 'string' || namespace.trim() === '') {
    throw new RequestError(403, 'missing namespace: the token has no cognito:username claim');
  }
  if (namespace.includes(NAMESPACE_SEPARATOR)) {
    throw new RequestError(403, `invalid namespace: it contains "${NAMESPACE_SEPARATOR}"`);
  }
  return namespace;
}

// The request's JSON body, which must be an object.
function jsonBody(event) {
  if (event.body === null || event.body === undefined || event.body === '') {
    throw new RequestError(400, 'invalid request body: a JSON object is required');
  }
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let body;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new RequestError(400, 'invalid request body: not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestError(400, 'invalid request body: a JSON object is required');
  }
  return body;
}

// A required string field, trimmed: "<field> not provided", "<field> is empty", "<field> is longer
// than n characters".
function requiredString(source, field, maxLength) {
  const value = source ? source[field] : undefined;
  if (value === undefined || value === null) throw new RequestError(400, `${field} not provided`);
  if (typeof value !== 'string') throw new RequestError(400, `${field} must be a string`);
  const trimmed = value.trim();
  if (trimmed === '') throw new RequestError(400, `${field} is empty`);
  if (trimmed.length > maxLength) {
    throw new RequestError(400, `${field} is longer than ${maxLength} characters`);
  }
  return trimmed;
}

function recipientNamespaceOf(source) {
  const recipient = requiredString(source, 'recipientNamespace', MAX_EMAIL_LENGTH);
  if (recipient.includes(NAMESPACE_SEPARATOR)) {
    throw new RequestError(400, `recipientNamespace contains the invalid string "${NAMESPACE_SEPARATOR}"`);
  }
  return recipient;
}

// Every page of a Query (1 MB a page), so that a long contact list or conversation is whole.
async function queryAll(command) {
  const items = [];
  let start;
  do {
    const page = await documents.send(new QueryCommand({ ...command, ExclusiveStartKey: start }));
    items.push(...page.Items);
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

// Runs a route: its RequestErrors become their answers, anything else a logged 500.
function route(what, work) {
  return async (event) => {
    try {
      return await work(event);
    } catch (e) {
      if (e instanceof RequestError) return refuse(e.statusCode, e.message);
      console.error(`${what} failed:`, e);
      return refuse(500, `could not ${what}`);
    }
  };
}

module.exports = {
  documents, CONTACTS_TABLE_NAME, MESSAGES_TABLE_NAME, NAMESPACE_SEPARATOR, MAX_NAME_LENGTH,
  MAX_EMAIL_LENGTH, MAX_REPORT_LENGTH, MAX_MESSAGE_LENGTH, RequestError, respond, namespaceOf,
  jsonBody, requiredString, recipientNamespaceOf, queryAll, route,
};

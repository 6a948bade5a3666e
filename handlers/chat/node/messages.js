// messages.js: the message routes of the chat (seed 002, ChatScape). A message is stored under
// its own id with the sort key `date` (ISO 8601, so that text order is time order), and the
// compositeNamespace "<sender>:::<recipient>"; the GSI compositeNamespace (compositeNamespace,
// date) gives one direction of a conversation in date order, and get-messages merges the two
// directions. Queries only, never a Scan.
//   POST /add-message   {recipientNamespace, message}
//        -> 201 the message; 403 if the recipient has blocked the sender
//   GET  /get-messages?recipientNamespace=<username>
//        -> 200 [messages] in date order, each with "them": true when the other user sent it
const { randomUUID } = require('node:crypto');
const { PutCommand } = require('@aws-sdk/lib-dynamodb');
const {
  documents, CONTACTS_TABLE_NAME, MESSAGES_TABLE_NAME, NAMESPACE_SEPARATOR, MAX_MESSAGE_LENGTH,
  RequestError, respond, namespaceOf, jsonBody, requiredString, recipientNamespaceOf, queryAll, route,
} = require('./common');

function oneWay(sender, recipient) {
  return queryAll({
    TableName: MESSAGES_TABLE_NAME,
    IndexName: 'compositeNamespace',
    KeyConditionExpression: 'compositeNamespace = :cn',
    ExpressionAttributeValues: { ':cn': `${sender}${NAMESPACE_SEPARATOR}${recipient}` },
  });
}

// Whether `recipient` has `sender` among its contacts, blocked: a Query on the recipient's
// NamespaceIndex partition for the one email.
async function blockedBy(recipient, sender) {
  const contacts = await queryAll({
    TableName: CONTACTS_TABLE_NAME,
    IndexName: 'NamespaceIndex',
    KeyConditionExpression: '#ns = :ns AND email = :email',
    ExpressionAttributeNames: { '#ns': 'namespace' },
    ExpressionAttributeValues: { ':ns': recipient, ':email': sender.toLowerCase() },
  });
  return contacts.some((contact) => contact.blocked === true);
}

exports.addMessage = route('add the message', async (event) => {
  const sender = namespaceOf(event);
  const body = jsonBody(event);
  const recipient = recipientNamespaceOf(body);
  const text = requiredString(body, 'message', MAX_MESSAGE_LENGTH);
  if (await blockedBy(recipient, sender)) {
    throw new RequestError(403, `${recipient} does not accept messages from you`);
  }
  const message = {
    id: randomUUID(),
    date: new Date().toISOString(),
    compositeNamespace: `${sender}${NAMESPACE_SEPARATOR}${recipient}`,
    senderNamespace: sender,
    recipientNamespace: recipient,
    message: text,
  };
  await documents.send(new PutCommand({ TableName: MESSAGES_TABLE_NAME, Item: message }));
  return respond(201, message);
});

exports.getMessages = route('retrieve messages', async (event) => {
  const me = namespaceOf(event);
  const recipient = recipientNamespaceOf(event.queryStringParameters);
  const [sent, received] = await Promise.all(
      [oneWay(me, recipient), me === recipient ? [] : oneWay(recipient, me)]);
  // Each query is in date order already; the merge keeps it (ties by id, for a stable answer).
  const messages = [...sent, ...received].sort(
      (a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return respond(200, messages.map((m) => ({ ...m, them: m.senderNamespace !== me })));
});

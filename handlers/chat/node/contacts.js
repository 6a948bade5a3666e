// contacts.js: the contact routes of the chat (seed 002, ChatScape). A contact belongs to the
// namespace of the user who added it (the user pool's username); its `email` names the other
// user, whose username is that address. Every read is a Query on the GSI NamespaceIndex
// (namespace, email), never a Scan; every write to a contact is conditional on its namespace,
// so that no one changes another user's contacts.
//   POST /add-contact     {name, email}  -> 201 the contact (409 if the email is a contact already)
//   GET  /get-contacts                   -> 200 [contacts] (blocked ones with "blocked": true)
//   POST /block-contact   {id}           -> 200 the contact, "blocked": true (404 if not yours)
//   POST /report-contact  {id, report}   -> 200 the contact with its report (404 if not yours)
const { randomUUID } = require('node:crypto');
const { PutCommand, UpdateCommand } = require('@aws-sdk/lib-dynamodb');
const {
  documents, CONTACTS_TABLE_NAME, MAX_NAME_LENGTH, MAX_EMAIL_LENGTH, MAX_REPORT_LENGTH, RequestError,
  respond, namespaceOf, jsonBody, requiredString, queryAll, route,
} = require('./common');

// An address as far as a chat needs to tell one from a typo: something@something.something.
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function contactsOf(namespace, email) {
  const query = {
    TableName: CONTACTS_TABLE_NAME,
    IndexName: 'NamespaceIndex',
    KeyConditionExpression: email === undefined ? '#ns = :ns' : '#ns = :ns AND email = :email',
    ExpressionAttributeNames: { '#ns': 'namespace' },
    ExpressionAttributeValues: { ':ns': namespace },
  };
  if (email !== undefined) query.ExpressionAttributeValues[':email'] = email;
  return queryAll(query);
}

exports.addContact = route('add the contact', async (event) => {
  const namespace = namespaceOf(event);
  const body = jsonBody(event);
  const name = requiredString(body, 'name', MAX_NAME_LENGTH);
  const email = requiredString(body, 'email', MAX_EMAIL_LENGTH).toLowerCase();
  if (!EMAIL_PATTERN.test(email)) throw new RequestError(400, 'email is not an email address');
  if (email === namespace.toLowerCase()) throw new RequestError(400, 'email is your own address');
  if ((await contactsOf(namespace, email)).length > 0) {
    throw new RequestError(409, `${email} is already a contact`);
  }
  const contact = { id: randomUUID(), namespace, name, email, blocked: false };
  await documents.send(new PutCommand({ TableName: CONTACTS_TABLE_NAME, Item: contact }));
  return respond(201, contact);
});

exports.getContacts = route('retrieve contacts', async (event) => {
  const contacts = await contactsOf(namespaceOf(event));
  return respond(200, contacts);
});

// SET on the caller's own contact, or 404.
async function updateOwnContact(namespace, id, update, values) {
  try {
    const result = await documents.send(new UpdateCommand({
      TableName: CONTACTS_TABLE_NAME,
      Key: { id },
      UpdateExpression: update,
      ConditionExpression: '#ns = :ns',
      ExpressionAttributeNames: { '#ns': 'namespace' },
      ExpressionAttributeValues: { ':ns': namespace, ...values },
      ReturnValues: 'ALL_NEW',
    }));
    return result.Attributes;
  } catch (e) {
    if (e.name === 'ConditionalCheckFailedException') throw new RequestError(404, `no contact ${id}`);
    throw e;
  }
}

exports.blockContact = route('block the contact', async (event) => {
  const namespace = namespaceOf(event);
  const id = requiredString(jsonBody(event), 'id', MAX_NAME_LENGTH);
  const contact = await updateOwnContact(namespace, id, 'SET blocked = :true', { ':true': true });
  return respond(200, contact);
});

exports.reportContact = route('report the contact', async (event) => {
  const namespace = namespaceOf(event);
  const body = jsonBody(event);
  const id = requiredString(body, 'id', MAX_NAME_LENGTH);
  const report = requiredString(body, 'report', MAX_REPORT_LENGTH);
  const contact = await updateOwnContact(namespace, id, 'SET report = :report', { ':report': report });
  return respond(200, contact);
});

// api.mjs: the HTTP API route `POST /backups` of the backup fan-out (seed 000, "Hashnode API"):
// it puts `{publicationId, userId}` on the backup queue and answers 200 once SQS has the message;
// the worker (worker.mjs) does the rest and reports progress over the WebSocket API.
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});

const reply = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const handler = async (event) => {
  let request;
  try {
    request = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body || '', 'base64').toString() : event.body || '');
  } catch {
    return reply(400, { message: 'the body must be JSON: {"publicationId": "...", "userId": "..."}' });
  }
  const { publicationId, userId } = request || {};
  if (typeof publicationId !== 'string' || publicationId === '' || typeof userId !== 'string' || userId === '') {
    return reply(400, { message: 'publicationId and userId are required strings' });
  }
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl: process.env.QUEUE_URL,
    MessageBody: JSON.stringify({ publicationId, userId }),
  }));
  console.log(`backup of ${publicationId} for ${userId} queued as ${sent.MessageId}`);
  return reply(200, { queued: true, publicationId, userId, messageId: sent.MessageId });
};

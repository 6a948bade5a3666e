// websocket.mjs: the WebSocket API's $connect and $disconnect of the backup fan-out (seed 000,
// "websocketHandler"). $connect stores the connection with the userId of its query string
// (`?userId=...`), which the connections table's GSI `byUserId` finds again; $disconnect deletes
// it. The item also keeps the event's domainName and stage: the worker runs on SQS events, which
// carry no requestContext, and posts progress through https://domainName/stage.
import { DynamoDBClient, PutItemCommand, DeleteItemCommand } from '@aws-sdk/client-dynamodb';

const ddb = new DynamoDBClient({});

export const handler = async (event) => {
  const { connectionId, eventType, domainName, stage } = event.requestContext;
  if (eventType === 'CONNECT') {
    const userId = (event.queryStringParameters || {}).userId;
    if (!userId) {
      // A refused $connect: the client's upgrade fails with this status.
      return { statusCode: 400, body: 'userId is required in the query string' };
    }
    await ddb.send(new PutItemCommand({
      TableName: process.env.CONNECTIONS_TABLE,
      Item: {
        connectionId: { S: connectionId },
        userId: { S: userId },
        domainName: { S: domainName },
        stage: { S: stage },
      },
    }));
    console.log(`connection ${connectionId} of ${userId} stored`);
  } else if (eventType === 'DISCONNECT') {
    await ddb.send(new DeleteItemCommand({
      TableName: process.env.CONNECTIONS_TABLE,
      Key: { connectionId: { S: connectionId } },
    }));
    console.log(`connection ${connectionId} deleted`);
  }
  return { statusCode: 200, body: 'OK' };
};

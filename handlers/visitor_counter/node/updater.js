// updater.js: the WebSocket API's $connect and $disconnect (seed 004, "updater.js"), on the AWS
// SDK for JavaScript v2 as the seed writes it. Two changes to the seed's code: `AWS` is assigned
// from require('aws-sdk') (the seed's bare require leaves it undefined), and $disconnect counts the
// visitor out again (the seed only deletes the connection, so its count only grows). The
// connection item also keeps the event's domainName and stage, the @connections endpoint the
// stream handler posts through (a stream event carries no requestContext).
const AWS = require('aws-sdk');
const dynamodb = new AWS.DynamoDB.DocumentClient();
const CONNECTION_IDS_TABLE = process.env.CONNECTION_IDS_TABLE;
const VISITOR_COUNT_TABLE = process.env.VISITOR_COUNT_TABLE;
const VISITOR_COUNT_ITEM_ID = 'visitorCount';

async function count(delta) {
  await dynamodb.update({
    TableName: VISITOR_COUNT_TABLE,
    Key: { id: VISITOR_COUNT_ITEM_ID },
    UpdateExpression: 'ADD currentCount :inc',
    ExpressionAttributeValues: { ':inc': delta },
    ReturnValues: 'UPDATED_NEW' // To trigger stream with new value
  }).promise();
}

exports.handler = async (event) => {
  console.log('DBUpdater Event:', JSON.stringify(event, null, 2));
  const connectionId = event.requestContext.connectionId;
  const eventType = event.requestContext.eventType;
  try {
    if (eventType === 'CONNECT') {
      await dynamodb.put({
        TableName: CONNECTION_IDS_TABLE,
        Item: {
          connectionId: connectionId,
          domainName: event.requestContext.domainName,
          stage: event.requestContext.stage
        }
      }).promise();
      console.log(`Connection ID ${connectionId} saved.`);
      await count(1);
      console.log('Visitor count incremented.');
    } else if (eventType === 'DISCONNECT') {
      // Only a connection still stored is counted out: one the stream handler already deleted
      // (it answered 410 Gone) was counted out then.
      const deleted = await dynamodb.delete({
        TableName: CONNECTION_IDS_TABLE,
        Key: { connectionId: connectionId },
        ReturnValues: 'ALL_OLD'
      }).promise();
      console.log(`Connection ID ${connectionId} deleted.`);
      if (deleted.Attributes) {
        await count(-1);
        console.log('Visitor count decremented.');
      }
    } else {
      console.log(`Unhandled eventType: ${eventType}`);
    }
    return { statusCode: 200, body: 'OK' };
  } catch (error) {
    console.error('DBUpdater Error:', error);
    return { statusCode: 500, body: 'Error processing request' };
  }
};

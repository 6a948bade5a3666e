// stream.js: the DynamoDB stream handler of the visitor count table (seed 004, "stream.js"),
// batch size 1, on the AWS SDK for JavaScript v2 as the seed writes it: it posts the new count
// to every stored connection and deletes the connections that answer 410 Gone. Two changes to
// the seed's code: each connection is posted to at the @connections endpoint its $connect
// recorded (https://domainName/stage; API_GATEWAY_MANAGEMENT_ENDPOINT, the seed's variable,
// still wins when it is set); a 410 is asked again a moment later before the connection is taken
// for gone (API Gateway answers 410 too while a connection's $connect is still returning, and the
// record of a visitor's arrival can get here that early); and a gone connection is counted out
// when its item is deleted, so that a visitor whose $disconnect never came does not stay counted.
const AWS = require('aws-sdk');
const dynamodb = new AWS.DynamoDB.DocumentClient();
const CONNECTION_IDS_TABLE = process.env.CONNECTION_IDS_TABLE;
const VISITOR_COUNT_TABLE = process.env.VISITOR_COUNT_TABLE;
const VISITOR_COUNT_ITEM_ID = 'visitorCount';

const CONNECT_GRACE_MS = 250;
const managementApis = new Map();
function managementApi(item) {
  const endpoint = process.env.API_GATEWAY_MANAGEMENT_ENDPOINT || `https://${item.domainName}/${item.stage}`;
  if (!managementApis.has(endpoint)) {
    managementApis.set(endpoint, new AWS.ApiGatewayManagementApi({ apiVersion: '2018-11-29', endpoint }));
  }
  return managementApis.get(endpoint);
}

// This event contains a list of Records which have some StreamRecords in the dynamodb field
exports.handler = async (event) => {
  console.log('DBStreamProcessor Event:', JSON.stringify(event, null, 2));
  let newVisitorCount = 0;
  if (event.Records && event.Records.length > 0) {
    const record = event.Records[0]; // Assuming only one record per invocation due to batch_size = 1
    if (record.eventName === 'MODIFY' || record.eventName === 'INSERT') {
      const newImage = AWS.DynamoDB.Converter.unmarshall(record.dynamodb.NewImage);
      newVisitorCount = newImage.currentCount || 0;
      console.log(`New Visitor Count from stream: ${newVisitorCount}`);
    } else {
      console.log('Not an INSERT or MODIFY event, skipping count update.');
      return { statusCode: 200, body: 'No update needed.' };
    }
  } else {
    console.log('No records in stream event, skipping.');
    return { statusCode: 200, body: 'No records.' };
  }
  try {
    // Grabbing all active connections to send the updated message count
    const connectionData = await dynamodb.scan({ TableName: CONNECTION_IDS_TABLE }).promise();
    console.log(`Active connections: ${connectionData.Items.length}`);
    const postData = JSON.stringify({ count: newVisitorCount });
    const postCalls = connectionData.Items.map(async (item) => {
      const connectionId = item.connectionId;
      const post = () => managementApi(item).postToConnection({ ConnectionId: connectionId, Data: postData }).promise();
      try {
        try {
          await post();
        } catch (e) {
          if (e.statusCode !== 410) throw e;
          await new Promise((resolve) => setTimeout(resolve, CONNECT_GRACE_MS));
          await post();
        }
        console.log(`Message sent to ${connectionId}`);
      } catch (e) {
        if (e.statusCode === 410) { // GoneException - connection no longer exists
          console.log(`Stale connection ${connectionId}, deleting.`);
          const deleted = await dynamodb.delete({
            TableName: CONNECTION_IDS_TABLE,
            Key: { connectionId: connectionId },
            ReturnValues: 'ALL_OLD'
          }).promise();
          if (deleted.Attributes) {
            await dynamodb.update({
              TableName: VISITOR_COUNT_TABLE,
              Key: { id: VISITOR_COUNT_ITEM_ID },
              UpdateExpression: 'ADD currentCount :inc',
              ExpressionAttributeValues: { ':inc': -1 }
            }).promise();
          }
        } else {
          console.error(`Failed to post to connection ${connectionId}:`, e);
        }
      }
    });
    await Promise.all(postCalls);
    return { statusCode: 200, body: 'Data sent.' };
  } catch (err) {
    console.error('DBStreamProcessor Error:', err);
    return { statusCode: 500, body: JSON.stringify(err) };
  }
};

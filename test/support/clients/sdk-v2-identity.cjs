// Prints the ARN the AWS SDK for JavaScript v2 (aws-sdk, in maintenance) acts as,
// with its default credential chain. AWS_ENDPOINT_URL_STS, which this SDK does
// not read, is set as the endpoint of every STS client, its own AssumeRole ones included.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';
const AWS = require('aws-sdk/global');
require('aws-sdk/clients/sts');

const endpoint = process.env.AWS_ENDPOINT_URL_STS;
if (endpoint) AWS.config.sts = { endpoint };
if (!process.env.AWS_REGION) AWS.config.update({ region: 'us-east-1' });
new AWS.STS().getCallerIdentity({}, (error, data) => {
  if (error) {
    console.log(`error: ${error.code ?? error.name}: ${String(error.message).split('\n')[0]}`);
    process.exit(1);
  }
  console.log(data.Arn);
});

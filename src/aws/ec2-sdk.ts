// The EC2 SDK, for verify and doctor only; import lazily like ./sts-sdk.ts.
export { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';

# Prints the ARN the AWS SDK for Ruby (aws-sdk-core) acts as, with its default
# credential chain. AWS_ENDPOINT_URL_STS, which this SDK version predates, is set
# as the STS endpoint for every client, the SDK's own AssumeRole ones included.
require 'aws-sdk-core'

begin
  endpoint = ENV['AWS_ENDPOINT_URL_STS']
  Aws.config[:sts] = { endpoint: endpoint } if endpoint && !endpoint.empty?
  Aws.config[:region] = 'us-east-1' unless ENV['AWS_REGION'] || ENV['AWS_DEFAULT_REGION']
  puts Aws::STS::Client.new.get_caller_identity.arn
rescue StandardError => e
  puts "error: #{e.class}: #{e.message}".lines.first
  exit 1
end

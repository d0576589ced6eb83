// Prints the ARN the AWS SDK for Go v2 acts as, with its default configuration.
// AWS_ENDPOINT_URL_STS, which this SDK version predates, is read here and given
// as the endpoint resolver, which the SDK's own AssumeRole clients use too.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	var options []func(*config.LoadOptions) error
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_STS"); endpoint != "" {
		resolver := aws.EndpointResolverWithOptionsFunc(func(service, region string, _ ...interface{}) (aws.Endpoint, error) {
			if service == sts.ServiceID {
				return aws.Endpoint{URL: endpoint, SigningRegion: region}, nil
			}
			return aws.Endpoint{}, &aws.EndpointNotFoundError{}
		})
		options = append(options, config.WithEndpointResolverWithOptions(resolver))
	}
	if os.Getenv("AWS_REGION") == "" && os.Getenv("AWS_DEFAULT_REGION") == "" {
		options = append(options, config.WithRegion("us-east-1"))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), options...)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(*out.Arn)
}

// Prints the ARN the AWS SDK for Go v1 acts as. With "shared-config", the session
// opts into the shared config (SharedConfigEnable, as Terraform and eksctl do);
// without it, the default session, as most tools built on v1 make it.
// AWS_ENDPOINT_URL_STS, which this SDK version predates, is read here and set as
// the session's endpoint, so the SDK's own AssumeRole calls go there too.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/sts"
)

func main() {
	opts := session.Options{}
	if len(os.Args) > 1 && os.Args[1] == "shared-config" {
		opts.SharedConfigState = session.SharedConfigEnable
	}
	if endpoint := os.Getenv("AWS_ENDPOINT_URL_STS"); endpoint != "" {
		opts.Config.Endpoint = aws.String(endpoint)
	}
	if os.Getenv("AWS_REGION") == "" {
		opts.Config.Region = aws.String("us-east-1")
	}
	sess, err := session.NewSessionWithOptions(opts)
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	out, err := sts.New(sess).GetCallerIdentity(&sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(*out.Arn)
}

#!/bin/sh
# A stand-in deploy script: says who it acts as and what it can see. It knows
# nothing of roles; the AWS CLI finds the credentials withAssumedRole put in its
# environment.
set -e
echo "deploy.sh: acting as $(aws sts get-caller-identity --query Arn --output text)"
echo "deploy.sh: instances visible in ${AWS_REGION:-?}: $(aws ec2 describe-instances --query 'length(Reservations[].Instances[])' --output text)"

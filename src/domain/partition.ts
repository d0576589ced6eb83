/** The AWS partition a region belongs to: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc. */
export function partitionOfRegion(region: string | undefined): string {
  if (region === undefined) return 'aws';
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('eu-isoe-')) return 'aws-iso-e';
  if (region.startsWith('us-isof-')) return 'aws-iso-f';
  if (region.startsWith('eusc-')) return 'aws-eusc';
  return 'aws';
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** True for names shaped like a region (us-east-1, cn-north-1, us-gov-west-1). */
export function isRegionName(value: string): boolean {
  return REGION.test(value);
}

import { PolicyResource } from "@pulumi/policy";
import { refersTo } from "./references";
import { isOneOf, types } from "./resource-types";

// S3 settings are separate resources joined to their bucket by its name, or inline on an
// aws:s3/bucket:Bucket; the S3 rules read both.

/** The resources of the given types that configure `bucket` through their `bucket` property. */
export function configurationsOf(bucket: PolicyResource, resources: readonly PolicyResource[], tokens: readonly string[]): PolicyResource[] {
  return resources.filter(isOneOf(tokens)).filter((r) => refersTo(r, "bucket", bucket, ["bucket"]));
}

/**
 * The buckets other than those AWS services deliver access logs into (load balancer access and
 * connection logs, S3 server access logs): AWS writes logs with SSE-S3 only, and a log bucket
 * logging its own access would log forever, so rules on encryption and logging skip log buckets.
 */
export function bucketsExceptLogBuckets(resources: readonly PolicyResource[]): PolicyResource[] {
  const buckets = resources.filter(isOneOf(types.bucket));
  const sources: [PolicyResource, string][] = [
    ...resources.filter(isOneOf(types.loadBalancer)).flatMap((lb): [PolicyResource, string][] => [
      [lb, "accessLogs.bucket"],
      [lb, "connectionLogs.bucket"],
    ]),
    ...resources.filter(isOneOf(types.bucketLogging)).map((logging): [PolicyResource, string] => [logging, "targetBucket"]),
    ...buckets.map((bucket): [PolicyResource, string] => [bucket, "logging.targetBucket"]),
  ];
  // A bucket logging into itself is not a log bucket: s3-bucket-access-logging reports it.
  const logsItself = (source: PolicyResource, bucket: PolicyResource) => source === bucket || refersTo(source, "bucket", bucket, ["bucket"]);
  return buckets.filter((bucket) => !sources.some(([source, path]) => !logsItself(source, bucket) && refersTo(source, path, bucket, ["bucket"])));
}

import { S3Client } from "@aws-sdk/client-s3";
import { ProxyConfig } from "../config";
import { DiskStorage } from "./disk";
import { S3Storage } from "./s3";
import { Storage } from "./storage";

/** The storage backend the configuration selects, ready to use. */
export async function storageFromConfig(config: ProxyConfig): Promise<Storage> {
  if (config.storage !== "s3") return new DiskStorage(config.storageDir).init();
  if (config.s3Bucket === undefined) throw new Error("S3 storage needs a bucket");
  // Region and credentials come from the SDK's default chain (environment, EKS Pod Identity, IRSA web identity, instance role).
  const client = new S3Client(config.s3Endpoint === undefined ? {} : { endpoint: config.s3Endpoint, forcePathStyle: true });
  return new S3Storage({ client, bucket: config.s3Bucket, prefix: config.s3Prefix });
}

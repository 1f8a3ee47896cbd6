import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { Readable } from "node:stream";
import { assertSafeKey, ObjectInfo, Storage, StoredObject, WriteResult } from "./storage";

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key: "" or "/"-terminated, e.g. "modproxy/". */
  prefix?: string;
}

/** The smallest part S3 accepts; bounds the memory one upload holds to partSize × queueSize. */
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;

/**
 * Stores objects in one S3 bucket under an optional key prefix. Atomic
 * writes come from S3 itself: a PUT or a completed multipart upload becomes
 * visible whole, and an upload whose body fails is aborted, never completed.
 * First writer wins by S3's conditional writes: If-None-Match: * on the PUT
 * or on CompleteMultipartUpload, which S3 refuses with 412 when the key exists.
 */
export class S3Storage implements Storage {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;

  constructor({ client, bucket, prefix = "" }: S3StorageOptions) {
    assertSafeKey(prefix, { prefix: true });
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix;
  }

  private objectKey(key: string): string {
    assertSafeKey(key);
    return this.prefix + key;
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const size = await this.sizeOf(this.objectKey(key));
    return size === undefined ? undefined : { size };
  }

  private async sizeOf(Key: string): Promise<number | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async read(key: string): Promise<StoredObject | undefined> {
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      // In Node the SDK's body is the HTTP response stream itself.
      return { size: got.ContentLength ?? 0, body: got.Body as Readable, version: got.ETag };
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async write(key: string, body: Readable | Buffer, opts: { overwrite?: boolean } = {}): Promise<WriteResult> {
    const Key = this.objectKey(key);
    let size = 0;
    const counted = Buffer.isBuffer(body) ? body : Readable.from(countBytes(body, (n) => (size += n)));
    // Upload puts a body that fits one part and streams larger ones as a multipart upload,
    // aborting it (leavePartsOnError false) when the body or a part fails. It passes the
    // params to CompleteMultipartUpload too, so If-None-Match guards both ways of writing.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: counted, IfNoneMatch: opts.overwrite ? undefined : "*" },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { created: true, size: Buffer.isBuffer(body) ? body.length : size };
    } catch (err) {
      if (statusOf(err) !== 412) throw err;
      // The whole body was read before S3 refused it. An object deleted since leaves our size as the best answer.
      return { created: false, size: (await this.sizeOf(Key)) ?? (Buffer.isBuffer(body) ? body.length : size) };
    }
  }

  /** S3 answers a delete of an absent key with success, as the interface wants. */
  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== "") assertSafeKey(prefix, { prefix: true });
    const full = this.prefix + prefix;
    const names: string[] = [];
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: full, Delimiter: "/" })) {
      for (const obj of page.Contents ?? []) {
        const name = obj.Key?.slice(full.length);
        // A key ending in "/" (a console-made "folder") is no object of ours.
        if (name) names.push(name);
      }
    }
    return names;
  }

  async checkReady(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }
}

async function* countBytes(body: Readable, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    add(buf.length);
    yield buf;
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * GetObject says NoSuchKey, HeadObject (no body) NotFound. A missing bucket
 * (NoSuchBucket, also a 404) is a fault to report, not an absent object.
 */
function isAbsent(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return name === "NoSuchKey" || name === "NotFound";
}

import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { Readable } from "node:stream";
import { oneLine } from "../redact";
import { BodyReader } from "./body";
import { assertSafeKey, ObjectInfo, Storage, StorageUnavailableError, StoredEntry, StoredObject, WriteResult } from "./storage";

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key: "" or "/"-terminated, e.g. "modproxy/". */
  prefix?: string;
}

/** The smallest part S3 accepts; bounds the memory one upload holds to partSize × queueSize. */
const PART_SIZE = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
/** Tries of a Buffer write that S3 keeps answering 409 ConditionalRequestConflict with, no object being there after. */
const CONFLICT_ATTEMPTS = 3;

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
      throw s3Failure(this.bucket, err);
    }
  }

  async read(key: string): Promise<StoredObject | undefined> {
    const Key = this.objectKey(key);
    try {
      const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      // In Node the SDK's body is the HTTP response stream itself.
      return { size: got.ContentLength ?? 0, body: got.Body as Readable, version: got.ETag };
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw s3Failure(this.bucket, err);
    }
  }

  async write(key: string, body: Readable | Buffer, opts: { overwrite?: boolean } = {}): Promise<WriteResult> {
    const Key = this.objectKey(key);
    for (let attempt = 1; ; attempt++) {
      const result = await this.upload(Key, body, opts.overwrite === true);
      if (result !== "conflict") return result;
      // 409: an operation on the key (a delete, another multipart completion) ran while ours did.
      // An object there now is another writer's; if none is, only a Buffer can be sent again.
      const existing = await this.sizeOf(Key);
      if (existing !== undefined) return { created: false, size: existing };
      if (!Buffer.isBuffer(body) || attempt === CONFLICT_ATTEMPTS) {
        throw new StorageUnavailableError(`S3 bucket ${this.bucket}: ConditionalRequestConflict`);
      }
    }
  }

  private async upload(Key: string, body: Readable | Buffer, overwrite: boolean): Promise<WriteResult | "conflict"> {
    const reader = Buffer.isBuffer(body) ? undefined : new BodyReader(body);
    const size = () => (reader ? reader.bytes : (body as Buffer).length);
    // Upload puts a body that fits one part and streams larger ones as a multipart upload,
    // aborting it (leavePartsOnError false) when the body or a part fails. It passes the
    // params to CompleteMultipartUpload too, so If-None-Match guards both ways of writing.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: reader ? Readable.from(reader.chunks()) : body, IfNoneMatch: overwrite ? undefined : "*" },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return { created: true, size: size() };
    } catch (err) {
      if (reader?.failed) throw err;
      // Upload stops reading when a request fails: free the caller's stream, which may feed a client too.
      if (!Buffer.isBuffer(body)) body.destroy();
      if (statusOf(err) === 412) {
        // The whole body was read before S3 refused it. An object deleted since leaves our size as the best answer.
        return { created: false, size: (await this.sizeOf(Key)) ?? size() };
      }
      if ((err as Error).name === "ConditionalRequestConflict") return "conflict";
      throw s3Failure(this.bucket, err);
    }
  }

  /** S3 answers a delete of an absent key with success, as the interface wants. */
  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      throw s3Failure(this.bucket, err);
    }
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== "") assertSafeKey(prefix, { prefix: true });
    const full = this.prefix + prefix;
    const names: string[] = [];
    try {
      for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: full, Delimiter: "/" })) {
        for (const obj of page.Contents ?? []) {
          const name = obj.Key?.slice(full.length);
          // A key ending in "/" (a console-made "folder") is no object of ours.
          if (name) names.push(name);
        }
      }
    } catch (err) {
      throw s3Failure(this.bucket, err);
    }
    return names;
  }

  /** Without a delimiter S3 lists every key under the prefix, however deep, with its size, time and ETag. */
  async *entries(prefix: string): AsyncIterable<StoredEntry> {
    assertSafeKey(prefix, { prefix: true });
    const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.prefix + prefix });
    try {
      for await (const page of pages) {
        for (const obj of page.Contents ?? []) {
          const key = obj.Key?.slice(this.prefix.length);
          if (key && !key.endsWith("/")) yield { key, size: obj.Size ?? 0, modifiedMs: obj.LastModified?.getTime() ?? 0, version: obj.ETag };
        }
      }
    } catch (err) {
      throw s3Failure(this.bucket, err);
    }
  }

  async checkReady(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      // A HEAD answer has no body to name the error: a 404 here can only be the bucket.
      if (statusOf(err) === 404) throw new StorageUnavailableError(`S3 bucket ${this.bucket}: NoSuchBucket (404)`);
      throw s3Failure(this.bucket, err);
    }
  }
}

/**
 * StorageUnavailableError for failures that mean the bucket cannot be used
 * now: no HTTP answer (unreachable, timed out, no credentials to sign with),
 * 5xx, 403 (access denied, bad or expired credentials) and a missing bucket.
 * The reason is the error's code and status only: messages can name principals.
 */
export function s3Failure(bucket: string, err: unknown): unknown {
  const { name, code } = err as { name?: string; code?: string };
  const status = statusOf(err);
  if (status === undefined) return new StorageUnavailableError(`S3 bucket ${bucket}: ${code ?? clientSideReason(err as Error)}`);
  if (status >= 500 || status === 403 || name === "NoSuchBucket") return new StorageUnavailableError(`S3 bucket ${bucket}: ${name} (${status})`);
  return err;
}

/**
 * Why a request never got an HTTP answer: the SDK's own errors (no region, no credentials to sign with) say it in
 * their message, which names no principal since no service was asked; others by their name.
 */
function clientSideReason(err: Error): string {
  const { name, message } = err;
  if (name !== undefined && name !== "Error") return name === "CredentialsProviderError" ? `${name}: ${firstLine(message)}` : name;
  return message ? firstLine(message) : "unreachable";
}

function firstLine(text: string): string {
  return oneLine(text.split("\n")[0]);
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

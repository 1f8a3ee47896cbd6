import { BadQueryError } from "./catalog-http";
import { InvalidPathError } from "./module-path";
import { InvalidKeyError, StorageUnavailableError } from "./storage/storage";
import { LookupDisabledError, NotFoundError, UpstreamError, UpstreamTimeoutError } from "./upstream/upstream";

/**
 * The status a failure becomes. 404/410 tell the go command to try the next
 * entry of its own GOPROXY list; 502/504 tell it an upstream of ours failed
 * (or sent something that failed a check); 503 that our storage did.
 */
export function statusForError(err: unknown): number {
  if (err instanceof InvalidPathError || err instanceof InvalidKeyError || err instanceof BadQueryError) return 400;
  if (err instanceof NotFoundError) return err.status;
  if (err instanceof StorageUnavailableError) return 503;
  if (err instanceof LookupDisabledError) return 404;
  if (err instanceof UpstreamTimeoutError) return 504;
  if (err instanceof UpstreamError) return 502;
  return 500;
}

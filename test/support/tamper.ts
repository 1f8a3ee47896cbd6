/** A copy of `data` with one bit of the byte at `at` flipped: the smallest change a tampering upstream can make. */
export function flipByte(data: Buffer, at: number, mask = 1): Buffer {
  const copy = Buffer.from(data);
  copy[at] ^= mask;
  return copy;
}

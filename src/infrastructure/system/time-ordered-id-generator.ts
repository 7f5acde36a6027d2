import { randomFillSync } from 'node:crypto';
import { Clock, IdGenerator } from '../../application/ports/clock.port';

/** Random bytes are drawn in blocks: one syscall per 512 ids instead of one per id. */
const POOL_BYTES = 10 * 512;

/**
 * UUID version 7 (RFC 9562): a 48-bit Unix-millisecond timestamp, then 74
 * random bits. Still a UUID (EventStoreDB requires event ids to be), but ids
 * made close in time sort close together, so an append lands at the right
 * edge of the events table's unique id index instead of on a random page of
 * it: about half the pages each group commit writes and fsyncs (npm run
 * bench). Uniqueness rests on the random bits, as with version 4.
 */
export class TimeOrderedIdGenerator implements IdGenerator {
  private readonly pool = Buffer.alloc(POOL_BYTES);
  private offset = POOL_BYTES;

  constructor(private readonly clock: Clock) {}

  next(): string {
    if (this.offset === POOL_BYTES) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const bytes = Buffer.allocUnsafe(16);
    bytes.writeUIntBE(this.clock.now().getTime(), 0, 6);
    this.pool.copy(bytes, 6, this.offset, (this.offset += 10));
    bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
}

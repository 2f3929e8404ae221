import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { coalesceWrites } from '../src/transports/write-coalescing.js';

/** A stream that records each batch handed to the "socket" (one `writev` system call). */
function recordingStream() {
  const batches: string[][] = [];
  const stream = new Writable({
    writev(chunks, done) {
      batches.push(chunks.map((c) => String(c.chunk)));
      done();
    },
    write(chunk, _enc, done) {
      batches.push([String(chunk)]);
      done();
    },
  });
  coalesceWrites(stream);
  return { stream, batches };
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('coalesceWrites', () => {
  it('hands every write of one event-loop turn to the socket as one batch, in order', async () => {
    const { stream, batches } = recordingStream();
    // As Aedes delivers: each packet in an immediate of its own, corked per packet by mqtt-packet
    // and uncorked on nextTick.
    const packet = (bytes: string) =>
      setImmediate(() => {
        stream.cork();
        for (const part of bytes.split('')) stream.write(part);
        process.nextTick(() => stream.uncork());
      });
    packet('ab');
    packet('cd');
    packet('ef');
    await nextTurn();
    await nextTurn();
    expect(batches).toEqual([['a', 'b', 'c', 'd', 'e', 'f']]);
    stream.write('g');
    stream.write('h');
    await nextTurn();
    expect(batches).toEqual([
      ['a', 'b', 'c', 'd', 'e', 'f'],
      ['g', 'h'],
    ]);
  });

  it('keeps write() reporting backpressure and end() flushing what is corked', async () => {
    const batches: string[][] = [];
    const stream = new Writable({
      highWaterMark: 4,
      writev(chunks, done) {
        batches.push(chunks.map((c) => String(c.chunk)));
        done();
      },
    });
    coalesceWrites(stream);
    expect(stream.write('ab')).toBe(true);
    expect(stream.write('cd')).toBe(false); // 4 bytes buffered: at the high-water mark
    const finished = new Promise((r) => stream.end('e', () => r(undefined)));
    await finished;
    expect(batches.flat()).toEqual(['ab', 'cd', 'e']);
  });

  it('sends what was written before destroy() (a refusing CONNACK) instead of discarding it', async () => {
    const { stream, batches } = recordingStream();
    stream.write('connack');
    stream.destroy();
    await nextTurn();
    expect(batches).toEqual([['connack']]);
  });
});

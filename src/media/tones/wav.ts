/**
 * Reader of the one WAV flavour ringd plays: RIFF/WAVE, PCM (format 1, or WAVE_FORMAT_EXTENSIBLE with a
 * PCM sub-format), 8000 Hz, mono, 16-bit little-endian. Anything else is refused with a message that says
 * what the file is and how to convert it.
 */
import { readFileSync } from 'node:fs';

/** Error of {@link parseWav} / {@link readWav}. */
export class WavFormatError extends Error {
  override name = 'WavFormatError';
}

const CONVERT_HINT = 'convert with: sox in.wav -r 8000 -c 1 -b 16 -e signed-integer out.wav';

/** Samples of an 8 kHz mono 16-bit PCM WAV held in `buf`; `label` names the file in errors. */
export function parseWav(buf: Buffer, label = 'WAV'): Int16Array {
  const bad = (why: string): never => {
    throw new WavFormatError(`${label}: ${why}`);
  };
  if (
    buf.length < 12 ||
    buf.toString('latin1', 0, 4) !== 'RIFF' ||
    buf.toString('latin1', 8, 12) !== 'WAVE'
  ) {
    bad('not a RIFF/WAVE file');
  }
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let data: Buffer | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    const end = Math.min(body + size, buf.length);
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) bad('truncated fmt chunk');
      let format = buf.readUInt16LE(body);
      if (format === 0xfffe && size >= 40 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, end);
      if (fmt) break;
    }
    at = body + size + (size & 1);
  }
  if (!fmt) return bad('no fmt chunk');
  if (!data) return bad('no data chunk');
  if (fmt.format !== 1 || fmt.rate !== 8000 || fmt.channels !== 1 || fmt.bits !== 16) {
    bad(
      `expected 8000 Hz mono 16-bit PCM, got ${fmt.format === 1 ? 'PCM' : `format ${fmt.format}`} ` +
        `${fmt.rate} Hz, ${fmt.channels} channel(s), ${fmt.bits}-bit (${CONVERT_HINT})`,
    );
  }
  const n = data.length >> 1;
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = data.readInt16LE(i * 2);
  return out;
}

/** Reads and parses a WAV file (see {@link parseWav}); throws a clear error if unreadable or of another format. */
export function readWav(path: string): Int16Array {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new WavFormatError(`${path}: cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseWav(buf, path);
}

/** A WAV file (8 kHz mono 16-bit PCM) holding `samples`: for tests and for writing prompts. */
export function encodeWav(samples: Int16Array): Buffer {
  const out = Buffer.alloc(44 + samples.length * 2);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(36 + samples.length * 2, 4);
  out.write('WAVEfmt ', 8, 'latin1');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(8000, 24);
  out.writeUInt32LE(16000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'latin1');
  out.writeUInt32LE(samples.length * 2, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 44 + i * 2);
  return out;
}

/**
 * G.711 µ-law (PCMU) and A-law (PCMA) codecs, ITU-T G.711 as in the classic reference implementation
 * (Sun's g711.c). Encoding is a table lookup on the top 14 (µ-law) or 13 (A-law) bits of a 16-bit sample.
 */

const SEG_UEND = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
const SEG_AEND = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];
const BIAS = 0x84;
const CLIP = 8159;

function segment(v: number, table: readonly number[]): number {
  for (let i = 0; i < table.length; i++) if (v <= table[i]) return i;
  return table.length;
}

/** Reference µ-law encoding of one 16-bit linear sample. */
function linearToUlawSlow(sample: number): number {
  let pcm = sample >> 2;
  let mask: number;
  if (pcm < 0) {
    pcm = -pcm;
    mask = 0x7f;
  } else mask = 0xff;
  if (pcm > CLIP) pcm = CLIP;
  pcm += BIAS >> 2;
  const seg = segment(pcm, SEG_UEND);
  if (seg >= 8) return 0x7f ^ mask;
  return ((seg << 4) | ((pcm >> (seg + 1)) & 0xf)) ^ mask;
}

/** Reference A-law encoding of one 16-bit linear sample. */
function linearToAlawSlow(sample: number): number {
  let pcm = sample >> 3;
  let mask: number;
  if (pcm >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    pcm = -pcm - 1;
  }
  const seg = segment(pcm, SEG_AEND);
  if (seg >= 8) return 0x7f ^ mask;
  let aval = seg << 4;
  aval |= seg < 2 ? (pcm >> 1) & 0xf : (pcm >> seg) & 0xf;
  return aval ^ mask;
}

const ULAW_TABLE = new Uint8Array(1 << 14);
for (let i = 0; i < ULAW_TABLE.length; i++) ULAW_TABLE[i] = linearToUlawSlow((i << 18) >> 16);
const ALAW_TABLE = new Uint8Array(1 << 13);
for (let i = 0; i < ALAW_TABLE.length; i++) ALAW_TABLE[i] = linearToAlawSlow((i << 19) >> 16);

const ULAW_DECODE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const u = ~i & 0xff;
  let t = ((u & 0x0f) << 3) + BIAS;
  t <<= (u & 0x70) >> 4;
  ULAW_DECODE[i] = u & 0x80 ? BIAS - t : t - BIAS;
}
const ALAW_DECODE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  const a = i ^ 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else if (seg === 1) t += 0x108;
  else t = (t + 0x108) << (seg - 1);
  ALAW_DECODE[i] = a & 0x80 ? t : -t;
}

/** µ-law byte of a 16-bit linear sample (values outside int16 are clamped). */
export function linearToUlaw(sample: number): number {
  return ULAW_TABLE[(clamp16(sample) >> 2) & 0x3fff];
}

/** A-law byte of a 16-bit linear sample (values outside int16 are clamped). */
export function linearToAlaw(sample: number): number {
  return ALAW_TABLE[(clamp16(sample) >> 3) & 0x1fff];
}

/** 16-bit linear sample of a µ-law byte. */
export function ulawToLinear(byte: number): number {
  return ULAW_DECODE[byte & 0xff];
}

/** 16-bit linear sample of an A-law byte. */
export function alawToLinear(byte: number): number {
  return ALAW_DECODE[byte & 0xff];
}

/** The G.711 variants the player can send. */
export type G711Law = 'ulaw' | 'alaw';

/** Encodes 16-bit PCM samples into a new buffer of G.711 bytes (one byte per sample). */
export function encodeG711(pcm: Int16Array, law: G711Law): Buffer {
  const out = Buffer.allocUnsafe(pcm.length);
  const table = law === 'ulaw' ? ULAW_TABLE : ALAW_TABLE;
  const shift = law === 'ulaw' ? 2 : 3;
  const mask = law === 'ulaw' ? 0x3fff : 0x1fff;
  for (let i = 0; i < pcm.length; i++) out[i] = table[(pcm[i] >> shift) & mask];
  return out;
}

/** Decodes G.711 bytes into 16-bit PCM samples. */
export function decodeG711(bytes: Uint8Array, law: G711Law): Int16Array {
  const table = law === 'ulaw' ? ULAW_DECODE : ALAW_DECODE;
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = table[bytes[i]];
  return out;
}

function clamp16(x: number): number {
  const v = x | 0;
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

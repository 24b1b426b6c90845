/**
 * Audio checks for interop tests: a small WAV reader/writer and the dominant frequency of a recording
 * (FFT over the middle of the file), to check that "A's tone arrives at B".
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

/** PCM samples of a WAV file, channels averaged to mono, scaled to [-1, 1). */
export interface WavAudio {
  sampleRate: number;
  channels: number;
  samples: Float64Array;
}

/** What {@link dominantFrequency} found. */
export interface ToneAnalysis {
  /** Frequency (Hz) of the strongest spectral peak in the middle of the file. */
  freq: number;
  /** RMS of the analysed middle part, full scale = 1 (a full-scale sine is ~0.707; silence ~0). */
  rms: number;
  /** Duration of the whole file. */
  seconds: number;
}

/** Reads a 16-bit (or 8/24/32-bit integer, or 32-bit float) PCM WAV file. */
export async function readWav(path: string): Promise<WavAudio> {
  return parseWav(await readFile(path), path);
}

/** Parses WAV bytes; throws a descriptive error for anything that is not PCM/float WAV. */
export function parseWav(buf: Buffer, name = 'WAV'): WavAudio {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${name}: not a RIFF/WAVE file`);
  }
  let format = 0;
  let channels = 0;
  let sampleRate = 0;
  let bits = 0;
  let data: Buffer | undefined;
  for (let off = 12; off + 8 <= buf.length;) {
    const id = buf.toString('ascii', off, off + 4);
    // An unfinished file (writer not closed) may say 0 or too much: clamp to what is there.
    const size = Math.min(buf.readUInt32LE(off + 4), buf.length - off - 8);
    const body = buf.subarray(off + 8, off + 8 + size);
    if (id === 'fmt ' && size >= 16) {
      format = body.readUInt16LE(0);
      channels = body.readUInt16LE(2);
      sampleRate = body.readUInt32LE(4);
      bits = body.readUInt16LE(14);
      if (format === 0xfffe && size >= 26) format = body.readUInt16LE(24); // WAVE_FORMAT_EXTENSIBLE sub-format
    } else if (id === 'data') {
      data = body;
      break;
    }
    off += 8 + size + (size & 1);
  }
  if (!data || channels === 0 || sampleRate === 0) throw new Error(`${name}: no fmt/data chunk`);
  const bytes = bits / 8;
  const frameBytes = bytes * channels;
  const frames = Math.floor(data.length / frameBytes);
  const read = sampleReader(format, bits, name);
  const samples = new Float64Array(frames);
  for (let i = 0; i < frames; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += read(data, i * frameBytes + c * bytes);
    samples[i] = sum / channels;
  }
  return { sampleRate, channels, samples };
}

function sampleReader(format: number, bits: number, name: string): (b: Buffer, off: number) => number {
  if (format === 1 && bits === 16) return (b, o) => b.readInt16LE(o) / 32768;
  if (format === 1 && bits === 8) return (b, o) => (b[o] - 128) / 128;
  if (format === 1 && bits === 24) return (b, o) => b.readIntLE(o, 3) / 8388608;
  if (format === 1 && bits === 32) return (b, o) => b.readInt32LE(o) / 2147483648;
  if (format === 3 && bits === 32) return (b, o) => b.readFloatLE(o);
  throw new Error(`${name}: unsupported WAV format ${format} with ${bits} bits`);
}

/**
 * The dominant frequency of a WAV file: a Hann-windowed FFT over a power-of-two block from the middle of the
 * file (skipping the first and last 20 %, where calls start and end), refined by interpolating the peak
 * (resolution well under 1 Hz for a pure tone). Frequencies below 50 Hz (DC, hum) are ignored.
 */
export async function dominantFrequency(wavPath: string): Promise<ToneAnalysis> {
  const { sampleRate, samples } = await readWav(wavPath);
  return analyseTone(samples, sampleRate);
}

/** {@link dominantFrequency} on samples already in memory. */
export function analyseTone(samples: Float64Array, sampleRate: number): ToneAnalysis {
  const seconds = samples.length / sampleRate;
  const from = Math.floor(samples.length * 0.2);
  const usable = Math.floor(samples.length * 0.6);
  let n = 1;
  while (n * 2 <= usable && n < 65_536) n *= 2;
  if (n < 256) return { freq: 0, rms: 0, seconds };
  const start = from + Math.floor((usable - n) / 2);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const s = samples[start + i];
    energy += s * s;
    re[i] = s * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)));
  }
  fft(re, im);
  const mag = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) mag[k] = Math.hypot(re[k], im[k]);
  const minBin = Math.max(1, Math.ceil((50 * n) / sampleRate));
  let peak = minBin;
  for (let k = minBin; k < n / 2 - 1; k++) if (mag[k] > mag[peak]) peak = k;
  if (mag[peak] === 0) return { freq: 0, rms: 0, seconds };
  // Gaussian interpolation of the peak (exact for a Gaussian-like main lobe; fine for Hann).
  let delta = 0;
  if (peak > 0 && peak < n / 2 - 1 && mag[peak - 1] > 0 && mag[peak + 1] > 0 && mag[peak] > 0) {
    const a = Math.log(mag[peak - 1]);
    const b = Math.log(mag[peak]);
    const c = Math.log(mag[peak + 1]);
    const den = a - 2 * b + c;
    if (den !== 0) delta = (0.5 * (a - c)) / den;
  }
  return { freq: ((peak + delta) * sampleRate) / n, rms: Math.sqrt(energy / n), seconds };
}

/** In-place iterative radix-2 FFT; `re.length` must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j], re[i]];
      [im[i], im[j]] = [im[j], im[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const ar = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci;
        const ai = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr;
        re[i + k + len / 2] = re[i + k] - ar;
        im[i + k + len / 2] = im[i + k] - ai;
        re[i + k] += ar;
        im[i + k] += ai;
        const t = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = t;
      }
    }
  }
}

/** Options of {@link makeToneWav}. */
export interface ToneWavOptions {
  /** Default 8000 Hz. */
  sampleRate?: number;
  /** Default 1. */
  channels?: number;
  /** Peak amplitude, full scale = 1 (default 0.5). */
  amplitude?: number;
}

/** Writes a 16-bit PCM WAV of a sine of `freq` Hz lasting `seconds` (generated here, no sox needed). */
export async function makeToneWav(
  path: string,
  freq: number,
  seconds: number,
  o: ToneWavOptions = {},
): Promise<void> {
  const sampleRate = o.sampleRate ?? 8000;
  const channels = o.channels ?? 1;
  const amplitude = o.amplitude ?? 0.5;
  const frames = Math.round(sampleRate * seconds);
  const dataBytes = frames * channels * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * freq * i) / sampleRate));
    for (let c = 0; c < channels; c++) buf.writeInt16LE(v, 44 + (i * channels + c) * 2);
  }
  await writeFile(path, buf);
}

/**
 * True once a recorder has closed the WAV and written its header: the RIFF size covers more than the header.
 * While recording, libsndfile (baresip) leaves RIFF size 8 and linphone's file recorder 0; both fill it in at
 * close (linphone's sizes are 44 bytes too large, so do not check them exactly; {@link parseWav} clamps).
 */
export function wavFinished(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) < 12) return false;
    return head.toString('ascii', 0, 4) === 'RIFF' && head.readUInt32LE(4) > 36;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Waits (polling, bounded by `timeoutMs`) until {@link wavFinished} holds for every path; rejects after. */
export async function waitWavFinished(paths: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(paths.length > 0 && paths.every(wavFinished))) {
    if (Date.now() >= deadline) {
      throw new Error(
        `WAV not finished after ${timeoutMs} ms: ${paths.filter((p) => !wavFinished(p)).join(', ')}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

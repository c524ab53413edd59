import { describe, expect, it } from 'vitest';
import { equalInConstantTime } from './constant-time.ts';

describe('equalInConstantTime', () => {
  it('is string equality', () => {
    const digest = 'fdc93dee9a203b2a544e7bcc5f34918e89c547c2ee5503071482a9fbfb3e4e8e';
    expect(equalInConstantTime(digest, `${digest}`)).toBe(true);
    expect(equalInConstantTime(digest, digest.replace(/e$/, 'f'))).toBe(false);
    expect(equalInConstantTime(digest, digest.replace(/^f/, 'F'))).toBe(false);
    expect(equalInConstantTime(digest, digest.slice(1))).toBe(false);
    expect(equalInConstantTime('', '')).toBe(true);
    // Every code unit counts, not only its low byte (a latin1 Buffer would have truncated U+0166 to 0x66).
    expect(equalInConstantTime('f', '\u0166')).toBe(false);
  });
});

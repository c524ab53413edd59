import { describe, expect, it } from 'vitest';
import { describeTimestampDigits } from './sign.ts';

describe('describeTimestampDigits', () => {
  it('is silent for milliseconds (13 digits)', () => {
    expect(describeTimestampDigits('1672650133163')).toBeUndefined();
  });

  it('names seconds (10 digits) and lengths that are neither', () => {
    expect(describeTimestampDigits('1672650133')).toMatch(/10 digits: seconds, not milliseconds/);
    expect(describeTimestampDigits('16726501331')).toMatch(
      /11 digits: neither seconds \(10\) nor milliseconds \(13\)/,
    );
    expect(describeTimestampDigits('167265013316300')).toMatch(/15 digits: neither/);
  });
});

import { describe, expect, it } from 'vitest';
import { storableText, storableValue } from './storable';

describe(storableText.name, () => {
  it('replaces NUL and lone surrogates and keeps everything else', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\ud800y\udc00z')).toBe('x\uFFFDy\uFFFDz');
    expect(storableText('Grüße 😀 \t\n')).toBe('Grüße 😀 \t\n');
  });
});

describe(storableValue.name, () => {
  it('cleans strings inside arrays and objects, keys included, and leaves other values alone', () => {
    const date = new Date(0);

    expect(storableValue({ 'k\u0000': ['v\ud800', 1, null, true], nested: { at: date } })).toEqual({
      'k\uFFFD': ['v\uFFFD', 1, null, true],
      nested: { at: date },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { decodeHeaderText, freeText, visibleLength } from './text-input';

describe(visibleLength.name, () => {
  it('counts a space between words but not zero-width, joiner or surrounding blank characters', () => {
    expect(visibleLength('Ten chars!')).toBe(10);
    expect(visibleLength('\u200B'.repeat(10))).toBe(0);
    expect(visibleLength('  a\u200Db\u2060c\uFEFF  ')).toBe(3);
    expect(visibleLength('\u00A0\u3000abc\u2003')).toBe(3);
  });

  it('counts a letter with combining marks and an emoji sequence once each', () => {
    expect(visibleLength('e\u0301')).toBe(1);
    expect(visibleLength('👩‍💻')).toBe(1);
  });
});

describe(decodeHeaderText.name, () => {
  it('reads RFC 8187 percent-encoded UTF-8', () => {
    expect(decodeHeaderText("UTF-8''Gr%C3%BC%C3%9Fe%20aus%20K%C3%B6ln")).toBe('Grüße aus Köln');
    expect(decodeHeaderText("utf-8''%E2%82%AC")).toBe('€');
  });

  it('reads raw UTF-8 bytes that arrived as Latin-1', () => {
    expect(decodeHeaderText(Buffer.from('Grüße', 'utf8').toString('latin1'))).toBe('Grüße');
  });

  it('keeps Latin-1 text that is not UTF-8, plain ASCII, and refuses broken percent-encoding', () => {
    expect(decodeHeaderText('Stra\u00dfe')).toBe('Stra\u00dfe');
    expect(decodeHeaderText('plain ascii')).toBe('plain ascii');
    expect(decodeHeaderText("UTF-8''%E2%82")).toBeUndefined();
  });
});

describe('freeText', () => {
  it('refuses control characters and lone surrogates, and accepts tabs, line breaks and any script', () => {
    const schema = freeText(100);

    expect(schema.safeParse('a\u0000b').success).toBe(false);
    expect(schema.safeParse('a\u0085b').success).toBe(false);
    expect(schema.safeParse('a\ud800b').success).toBe(false);
    expect(schema.safeParse('line\nnext\ttab 日本語 😀').success).toBe(true);
  });
});

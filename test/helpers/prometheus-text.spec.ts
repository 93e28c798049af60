import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, valueOf } from './prometheus-text';

describe(parsePrometheusText.name, () => {
  it('reads samples, labels with escaped quotes, backslashes and line breaks, types and help', () => {
    const text = [
      '# HELP requests_total Requests "answered".',
      '# TYPE requests_total counter',
      'requests_total{route="/a",status="200"} 3',
      'requests_total{route="say \\"hi\\"\\\\ \\n",status="500"} 1.5 1712345678000',
      'up 1',
      'lag_seconds Nan',
      'limit_bytes +Inf',
      '',
    ].join('\n');

    const exposition = parsePrometheusText(text);

    expect(exposition.types.get('requests_total')).toBe('counter');
    expect(exposition.help.get('requests_total')).toBe('Requests "answered".');
    expect(exposition.samples).toEqual([
      { name: 'requests_total', labels: { route: '/a', status: '200' }, value: 3 },
      { name: 'requests_total', labels: { route: 'say "hi"\\ \n', status: '500' }, value: 1.5 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'lag_seconds', labels: {}, value: NaN },
      { name: 'limit_bytes', labels: {}, value: Infinity },
    ]);
    expect(valueOf(exposition, 'requests_total')).toBe(4.5);
    expect(valueOf(exposition, 'requests_total', { status: '200' })).toBe(3);
    expect(valueOf(exposition, 'absent_total')).toBe(0);
  });

  it('reads what prom-client writes, histograms with +Inf buckets included', async () => {
    const registry = new Registry();
    const counter = new Counter({ name: 'calls_total', help: 'Calls.', labelNames: ['kind'], registers: [registry] });
    const histogram = new Histogram({
      name: 'call_seconds',
      help: 'Call time.',
      labelNames: ['kind'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    counter.inc({ kind: 'a "quoted" one' }, 2);
    histogram.observe({ kind: 'a' }, 0.5);
    histogram.observe({ kind: 'a' }, 5);

    const exposition = parsePrometheusText(await registry.metrics());

    expect(valueOf(exposition, 'calls_total', { kind: 'a "quoted" one' })).toBe(2);
    expect(exposition.types.get('call_seconds')).toBe('histogram');
    expect(valueOf(exposition, 'call_seconds_bucket', { kind: 'a', le: '1' })).toBe(1);
    expect(valueOf(exposition, 'call_seconds_bucket', { kind: 'a', le: '+Inf' })).toBe(2);
    expect(valueOf(exposition, 'call_seconds_count', { kind: 'a' })).toBe(2);
    expect(valueOf(exposition, 'call_seconds_sum', { kind: 'a' })).toBe(5.5);
  });

  it('refuses a line that is not a sample, or a value that is not a number', () => {
    expect(() => parsePrometheusText('requests_total{route="/a" 3')).toThrow(/line 1/);
    expect(() => parsePrometheusText('requests_total{route=/a} 3')).toThrow(/labels/);
    expect(() => parsePrometheusText('requests_total three')).toThrow(/not a number/);
  });
});

import { describe, expect, it } from 'vitest';
import { runInSpan, type StageSpan } from './tracing';

const recorder = () => {
  const calls: string[] = [];
  const span: StageSpan = { tp: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', set: () => calls.push('set'), fail: (m) => calls.push(`fail:${m}`), end: () => calls.push('end') };
  return { span, calls };
};

describe('runInSpan', () => {
  it('gives the work\'s result and ends the span once', async () => {
    const { span, calls } = recorder();
    expect(await runInSpan(span, async () => 42)).toBe(42);
    expect(calls).toEqual(['end']);
  });

  it('fails the span with the error, ends it, and lets the error go on', async () => {
    const { span, calls } = recorder();
    await expect(runInSpan(span, async () => Promise.reject(new Error('CLUSTERDOWN')))).rejects.toThrow('CLUSTERDOWN');
    expect(calls).toEqual(['fail:CLUSTERDOWN', 'end']);
  });
});

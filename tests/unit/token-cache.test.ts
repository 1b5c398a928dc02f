import { jest } from '@jest/globals';
import { authSettings, cachedTokenVerifier, signToken } from '../../src/auth/token.js';

const settings = authSettings('a-secret-that-is-at-least-32-characters-long');

afterEach(() => jest.useRealTimers());

describe('cachedTokenVerifier', () => {
  it('answers a verified token from the cache until its exp, then refuses it', async () => {
    jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00Z'), doNotFake: ['nextTick', 'queueMicrotask'] });
    const verify = cachedTokenVerifier(settings);
    const token = await signToken(settings, { sub: 7 }, '60s');
    const first = await verify(token);
    expect(first).toMatchObject({ id: 7, role: 'learner' });
    expect(await verify(token)).toBe(first);
    jest.setSystemTime(new Date('2026-12-01T10:00:59Z'));
    expect(await verify(token)).toBe(first);
    jest.setSystemTime(new Date('2026-12-01T10:01:00Z'));
    await expect(verify(token)).rejects.toMatchObject({
      message: 'Token has expired',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('keys on the whole token: a cached token with another signature is verified, and refused', async () => {
    const verify = cachedTokenVerifier(settings);
    const token = await signToken(settings, { sub: 8, role: 'admin' });
    await verify(token);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.slice(0, -4)}AAAA`;
    await expect(verify(forged)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('holds at most `max` tokens', async () => {
    const verify = cachedTokenVerifier(settings, 2);
    const tokens = await Promise.all([1, 2, 3].map((sub) => signToken(settings, { sub })));
    const first = await verify(tokens[0]!);
    await verify(tokens[1]!);
    await verify(tokens[2]!);
    // Evicted: verified again, so a new object.
    expect(await verify(tokens[0]!)).not.toBe(first);
  });
});

import { chunksOf, streamInChunks } from '../../src/modules/chat/responders/chunked.js';
import { personalitySchema } from '../../src/modules/chat/responders/responder.js';

describe('a whole answer streamed in a few chunks', () => {
  const answer = 'Let\'s work through it.\n\nPot odds: the price a call offers. More in the lesson "Pot Odds".';

  it('cuts at word boundaries into at most four chunks that add up to the answer', () => {
    const chunks = chunksOf(answer);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThanOrEqual(4);
    expect(chunks.join('')).toBe(answer);
    for (const chunk of chunks.slice(0, -1)) expect(chunk).toMatch(/\s$/);
    expect(chunksOf('Hello!')).toEqual(['Hello!']);
    expect(chunksOf('')).toEqual([]);
  });

  it('streams what the responder answers, under its name', async () => {
    const streaming = streamInChunks({ name: 'offline', reply: async () => answer });
    const request = {
      character: { displayName: 'Ada', conversationStyle: 'analytical', personality: personalitySchema.parse({}) },
      history: [{ role: 'user' as const, content: 'What are pot odds?' }],
      signal: new AbortController().signal,
    };
    const chunks: string[] = [];
    for await (const chunk of streaming.stream(request)) chunks.push(chunk);
    expect(streaming.name).toBe('offline');
    expect(chunks).toEqual(chunksOf(answer));
  });
});

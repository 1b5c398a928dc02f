import fc from 'fast-check';
import pg from 'pg';
import { parseTimestamptz } from '../../../src/platform/db/timestamps.js';
import { withAdmin } from '../../helpers/database.js';

const parseWithPg = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text');

/** Zones whose offsets PostgreSQL writes as ±HH, ±HH:MM and (before 1900, local mean time) ±HH:MM:SS. */
const ZONES = ['UTC', 'America/Sao_Paulo', 'Asia/Kolkata', 'Asia/Kathmandu', 'Europe/Amsterdam', 'Pacific/Chatham'];

/** `instants` (ms since the epoch, possibly with microseconds) as PostgreSQL writes them in `zone`. */
async function writtenByPostgres(zone: string, instants: number[]): Promise<string[]> {
  return withAdmin(async (client) => {
    await client.query(`SET TIME ZONE '${zone}'`);
    const { rows } = await client.query<{ text: string }>(
      'SELECT (to_timestamp(epoch / 1000.0))::text AS text FROM unnest($1::float8[]) AS epoch',
      [instants],
    );
    return rows.map((row) => row.text);
  });
}

describe('parseTimestamptz', () => {
  it('reads what PostgreSQL writes as pg does, in every zone and at microsecond precision', async () => {
    const microseconds = fc.integer({ min: 0, max: 999 });
    const instants = fc.sample(
      fc.oneof(
        // Years 1000 to 9999 with microseconds, then whole seconds of 1970 to 2100, where rows live.
        fc
          .tuple(fc.integer({ min: -30_610_224_000_000, max: 253_402_300_799_000 }), microseconds)
          .map(([ms, us]) => ms + us / 1000),
        fc.integer({ min: 0, max: 4_102_444_800 }).map((seconds) => seconds * 1000),
      ),
      { numRuns: 400, seed: 9 },
    );
    for (const zone of ZONES) {
      const texts = await writtenByPostgres(zone, instants);
      for (const text of texts) {
        expect({ text, date: parseTimestamptz(text) }).toEqual({ text, date: parseWithPg(text) });
      }
    }
  });

  it('hands what it does not read at fixed positions to pg', async () => {
    const texts = [
      'infinity',
      '-infinity',
      '0044-03-15 12:00:00+00',
      '0099-12-31 23:59:59.999+00',
      '2000-01-01 00:00:00+00 BC',
      '12345-06-07 08:09:10+00',
      '2026-12-02 07:20:00.5+05:30',
      '1850-06-01 12:00:00+00:19:32',
    ];
    for (const text of texts) expect({ text, date: parseTimestamptz(text) }).toEqual({ text, date: parseWithPg(text) });
    const [fromPostgres] = await writtenByPostgres('UTC', [Date.UTC(2026, 11, 2, 7, 20, 0, 123) + 0.456]);
    expect(fromPostgres).toBe('2026-12-02 07:20:00.123456+00');
    expect(parseTimestamptz(fromPostgres!)).toEqual(new Date(Date.UTC(2026, 11, 2, 7, 20, 0, 123)));
  });
});

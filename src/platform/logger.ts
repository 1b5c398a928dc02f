import { pino } from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** Human-readable lines (pino-pretty, in a worker thread) instead of JSON: for a developer's terminal. */
  pretty?: boolean;
}

/** JSON lines to stdout, or to `destination` (tests read the lines a request leaves). */
export function createLogger(
  level: pino.LevelWithSilent,
  destination?: pino.DestinationStream,
  { pretty = false }: LoggerOptions = {},
): Logger {
  const options = { level, base: { service: 'dezhoumama-api' } };
  if (pretty && !destination) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service' } } });
  }
  return pino(options, destination);
}

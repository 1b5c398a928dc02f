import { pino } from 'pino';

export type Logger = pino.Logger;

/** JSON lines to stdout, or to `destination` (tests read the lines a request leaves). */
export function createLogger(level: pino.LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'dezhoumama-api' } }, destination);
}

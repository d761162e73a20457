// Structured logs (pino): JSON lines by default, a readable form for a terminal with `pretty`.
import { type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { ServerConfig } from './config.js';

/**
 * The logger a configuration asks for.
 *
 * @param log - level and mode
 * @param destination - where lines go (stdout by default; a stream in tests)
 */
export function createLogger(log: ServerConfig['log'], destination?: NodeJS.WritableStream): Logger {
  const options = { level: log.level, base: { name: 'sipkit-server' } };
  if (log.pretty) {
    return pino(
      options,
      pretty({
        sync: true,
        colorize: false,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,name',
        ...(destination === undefined ? {} : { destination }),
      }),
    );
  }
  return destination === undefined ? pino(options) : pino(options, destination);
}

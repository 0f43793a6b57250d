import { type Logger, pino } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; one logger per service, children per component. */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

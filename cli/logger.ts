import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout; credentials never reach them (headers are not logged). */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: { paths: ['req.headers.authorization', 'headers.authorization', '*.apiKey', '*.api_key'], censor: '[REDACTED]' },
  });
}

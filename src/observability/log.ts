/** The logging a stage needs; pino's and Fastify's loggers both provide it. */
export interface Log {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

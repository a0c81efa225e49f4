import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** An error whose message is safe and useful to show to the caller. */
export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
  }
}

interface SchemaIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** `/alerts/2/labels` → `alerts[2].labels`, the way a person writes a path into JSON. */
export function jsonPath(instancePath: string, prefix = ''): string {
  let out = prefix;
  for (const part of instancePath.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(key)) out += `[${key}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  null: 'null',
};

/** One ajv issue in words, naming the field. */
export function describeSchemaIssue(issue: SchemaIssue): string {
  const path = jsonPath(issue.instancePath);
  const p = issue.params;
  switch (issue.keyword) {
    case 'required':
      return `${jsonPath(issue.instancePath + '/' + String(p.missingProperty))}: is required`;
    case 'type': {
      const types = String(p.type).split(',').map((t) => TYPE_NAMES[t] ?? t);
      return `${path || 'body'}: expected ${types.join(' or ')}`;
    }
    case 'maxLength':
      return `${path}: longer than ${String(p.limit)} characters`;
    case 'minimum':
      return `${path}: must be at least ${String(p.limit)}`;
    case 'additionalProperties':
      return `${jsonPath(issue.instancePath + '/' + String(p.additionalProperty))}: unknown field`;
    case 'enum':
    case 'const':
      return `${path}: must be one of ${JSON.stringify(p.allowedValues ?? p.allowedValue)}`;
    default:
      return `${path || 'body'}: ${issue.message ?? issue.keyword}`;
  }
}

/** Unions report one issue per member; the type mismatch of the first member says it best. */
function pickIssue(issues: readonly SchemaIssue[]): SchemaIssue | undefined {
  return issues.find((i) => i.keyword !== 'anyOf' && i.keyword !== 'oneOf') ?? issues[0];
}

function detailFor(error: FastifyError): { status: number; detail: string } {
  if (error instanceof HttpError) return { status: error.statusCode, detail: error.message };
  if (error.validation) {
    const issue = pickIssue(error.validation as SchemaIssue[]);
    return { status: 400, detail: issue ? describeSchemaIssue(issue) : 'invalid request' };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, detail: 'request body is larger than the configured limit' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, detail: 'unsupported Content-Type; send application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, detail: 'request body is empty; expected a JSON object' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, detail: 'Content-Length does not match the body' };
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return { status: 400, detail: `invalid JSON: ${error.message}` };
  }
  const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
  return { status, detail: status >= 500 ? 'internal error' : error.message };
}

/** Every error answers `{"detail": "..."}`, as OnCallM's clients expect. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const { status, detail } = detailFor(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    if (error instanceof HttpError) void reply.headers(error.headers);
    return reply.code(status).send({ detail });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ detail: `no route for ${request.method} ${request.url.split('?')[0]}` }));
}

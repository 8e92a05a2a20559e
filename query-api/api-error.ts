/** The error codes of the seeds; every non-OTLP error body is {"error": {"code", "message"}}. */
export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'RATE_LIMITED'
  | 'AGENT_DEACTIVATED'
  | 'INTERNAL';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const validationError = (message: string) => new ApiError(400, 'VALIDATION_ERROR', message);
export const notFound = (message: string) => new ApiError(404, 'NOT_FOUND', message);

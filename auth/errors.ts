/** 401: no credential, or one that is unknown, expired or revoked. The message never says which key. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

/** 403: a valid credential without the scope the request needs. */
export class PermissionError extends Error {
  override name = 'PermissionError';
}

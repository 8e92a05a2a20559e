/** The server roles, apart from roles.ts so the healthcheck loads without the whole server. */
export const ROLES = ['all', 'receiver', 'worker', 'query'] as const;
export type ServerRole = (typeof ROLES)[number];

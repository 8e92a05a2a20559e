import type { Principal } from '../auth/principal.js';
import type { Actor } from '../model/agent.js';

/** Who a lifecycle event says made a change: the user of the credential, else the credential itself. */
export function actorOf(principal: Principal): Actor {
  if (principal.user_id) return { actor_type: 'user', actor_id: principal.user_id };
  if (principal.kind === 'api_key') return { actor_type: 'api_key', actor_id: principal.credential_id.replace(/^key:/, '') };
  if (principal.kind === 'jwt') return { actor_type: 'jwt', actor_id: principal.credential_id };
  return { actor_type: 'system', actor_id: principal.credential_id };
}

/** An activity event's `reported_by`: the credential's user, else the credential's stable id (never the secret). */
export function reportedByOf(principal: Principal): string {
  return principal.user_id ?? principal.credential_id;
}

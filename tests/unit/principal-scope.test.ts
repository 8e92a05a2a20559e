import { describe, expect, it } from 'vitest';
import { queryScopeOf, type Principal } from '../../auth/principal.js';

const principal = (p: Partial<Principal>): Principal => ({
  kind: 'jwt', organization_id: 'acme', user_id: null, role: 'user', scopes: new Set(['read']), credential_id: 'c', ...p,
});

describe('queryScopeOf', () => {
  it('narrows a user to their own runs, and a user without a usable id to nobody\'s, never everyone\'s', () => {
    expect(queryScopeOf(principal({ user_id: 'alice' }))).toEqual({ organization_id: 'acme', user_id: 'alice' });
    for (const user_id of [null, '']) {
      const scope = queryScopeOf(principal({ user_id }));
      // stores read a falsy user_id as "every user": it must be a value no entry carries
      expect(scope.user_id, JSON.stringify(user_id)).toBeTruthy();
      expect(scope.user_id).toBe('\u0000no-user');
    }
    expect(queryScopeOf(principal({ role: 'admin', user_id: 'alice' }))).toEqual({ organization_id: 'acme', user_id: null });
  });
});

import { useState } from 'preact/hooks';
import { ApiFailure, getJson, signIn, signOut } from '../api.js';

/**
 * An API key or a JWT, kept in sessionStorage for this tab only. It is
 * checked with one ledger read: a credential without `read` stops here.
 */
export function SignIn({ reason }: { reason: string | null }) {
  const [message, setMessage] = useState<string | null>(reason);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const value = String(new FormData(e.currentTarget as HTMLFormElement).get('credential') ?? '').trim().replace(/^Bearer\s+/i, '');
    if (!value) return setMessage('Enter an API key or a JWT.');
    setBusy(true);
    signIn(value);
    try {
      await getJson('/api/v1/ledger', { page_size: 1 });
    } catch (err) {
      const status = err instanceof ApiFailure ? err.status : 0;
      const why =
        status === 403
          ? `This credential cannot read the ledger (it lacks the read scope): ${(err as Error).message}`
          : status === 401
            ? `Not accepted: ${(err as Error).message}`
            : `Could not check the credential: ${(err as Error).message}`;
      signOut(why);
      setMessage(why);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <h1>agent-ledger</h1>
      <form onSubmit={submit} autoComplete="off">
        <label>
          API key or JWT
          <input name="credential" type="password" required autoFocus spellcheck={false} />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <p class="muted">Kept in this tab only (sessionStorage), sent as an Authorization header, never put in a URL.</p>
        {message && (
          <p class="error" role="alert">
            {message}
          </p>
        )}
      </form>
    </main>
  );
}

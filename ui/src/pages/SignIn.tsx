import { useState, type FormEvent } from 'react';
import { api, ApiError, messageOf } from '../api.js';
import { FormError, TextField } from '../components/fields.js';

/** Sign in with the admin token; the server answers with an httpOnly session cookie. */
export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [general, setGeneral] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setGeneral(undefined);
    if (token.trim() === '') {
      setError('enter the admin token');
      return;
    }
    setBusy(true);
    try {
      await api('/api/v1/session', { method: 'POST', body: { token: token.trim() } });
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError('this is not the admin token');
      else setGeneral(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title" noValidate>
        <h1 id="sign-in-title">Sign in to alertwire</h1>
        <p className="hint">
          Use the admin token: <code>auth.admin_token</code> in alertwire.yaml, or the one printed at first start and kept in{' '}
          <code>data/credentials.json</code>.
        </p>
        <TextField label="Admin token" type="password" value={token} onChange={setToken} error={error} autoComplete="current-password" name="token" />
        <FormError message={general} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Link, Redirect, Route, Router, Switch } from 'wouter-preact';
import { useHashLocation } from 'wouter-preact/use-hash-location';
import { hasCredential, onSessionChange, signOut } from './api.js';
import { AgentsView, AgentView } from './views/agents.js';
import { LedgerView } from './views/ledger.js';
import { RunView } from './views/run.js';
import { SignIn } from './views/sign-in.js';
import { StatsView } from './views/stats.js';
import './style.css';

function App() {
  const [signedIn, setSignedIn] = useState(hasCredential());
  const [reason, setReason] = useState<string | null>(null);
  useEffect(
    () =>
      onSessionChange((why) => {
        setSignedIn(hasCredential());
        setReason(why);
      }),
    [],
  );
  if (!signedIn) return <SignIn reason={reason} />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <strong>agent-ledger</strong>
        <nav aria-label="Views">
          <Link href="/ledger">Ledger</Link>
          <Link href="/agents">Agents</Link>
          <Link href="/stats">Stats</Link>
        </nav>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Switch>
          <Route path="/ledger" component={LedgerView} />
          <Route path="/runs/:id" component={RunView} />
          <Route path="/agents" component={AgentsView} />
          <Route path="/agents/:id" component={AgentView} />
          <Route path="/stats" component={StatsView} />
          <Route>
            <Redirect to="/ledger" />
          </Route>
        </Switch>
      </main>
    </>
  );
}

render(
  <Router hook={useHashLocation}>
    <App />
  </Router>,
  document.getElementById('app')!,
);

import { useEffect, useState } from 'preact/hooks';
import { useSearchParams } from 'wouter-preact';

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
}

/** Runs `load` whenever `key` changes; an older answer arriving late is dropped. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: null, loading: true });
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null }));
    load(abort.signal).then(
      (data) => !abort.signal.aborted && setState({ data, error: null, loading: false }),
      (error) => !abort.signal.aborted && setState({ data: undefined, error, loading: false }),
    );
    return () => abort.abort();
  }, [key]);
  return state;
}

/** The view's state in the URL: read a parameter, or change some (empty removes) as a new history entry. */
export function useUrlState(): [URLSearchParams, (changes: Record<string, string | null | undefined>) => void] {
  const [params, setParams] = useSearchParams();
  const update = (changes: Record<string, string | null | undefined>) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      for (const [k, v] of Object.entries(changes)) {
        if (v === null || v === undefined || v === '') next.delete(k);
        else next.set(k, v);
      }
      return next;
    });
  return [params, update];
}

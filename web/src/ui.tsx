// Small pieces shared by the pages.
import type { ComponentChildren } from 'preact';
import { isMissing } from './hooks.ts';

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Loading, errors, and the honest state of an API this gateway does not have. */
export function Status({ error, loading, feature }: { error: Error | undefined; loading: boolean; feature: string }) {
  if (error && isMissing(error)) return <Empty>{feature} is not available on this gateway.</Empty>;
  if (error) return <p role="alert" class="error">{error.message}</p>;
  if (loading) return <p class="muted">Loading…</p>;
  return null;
}

export function Badge({ kind, children }: { kind: string; children: ComponentChildren }) {
  return <span class={`badge badge-${kind.replace(/[^a-z0-9-]/gi, '')}`}>{children}</span>;
}

export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString();
}

export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

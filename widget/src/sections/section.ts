import { LitElement, html, nothing, type TemplateResult } from 'lit';
import { consume } from '@lit/context';
import { state } from 'lit/decorators.js';
import type { PortalSession, Problem } from '@credyt/shared';
import { ApiError, isAbort, type PortalClient } from '../api/client.ts';
import type { PortalStream } from '../api/stream.ts';
import { clientContext, i18nContext, sessionContext, streamContext, walletContext, type WalletState } from '../context.ts';
import { emit } from '../events.ts';
import type { I18n } from '../i18n/index.ts';
import { sectionStyles } from './section.styles.ts';

/**
 * The base of every section: the shared things come down from the root through context, and the states every
 * section shows (loading, empty, error with retry) look the same everywhere.
 */
export abstract class PortalSection extends LitElement {
  static override styles = [sectionStyles];

  @consume({ context: clientContext }) protected client!: PortalClient;
  @consume({ context: i18nContext, subscribe: true }) @state() protected i18n!: I18n;
  @consume({ context: sessionContext, subscribe: true }) @state() protected session!: PortalSession;
  @consume({ context: walletContext, subscribe: true }) @state() protected walletState!: WalletState;
  @consume({ context: streamContext }) protected stream!: PortalStream;

  /** Tells the host page about a failure (`credyt-error`), unless it was only a cancelled request. */
  protected report(error: unknown): void {
    if (isAbort(error)) return;
    emit(this, 'credyt-error', problemOf(error));
  }

  protected renderSkeleton(lines = 3): TemplateResult {
    return html`<div class="skeleton" aria-busy="true">
      <span class="sr-only">${this.i18n.t('loading')}</span>
      ${Array.from({ length: lines }, () => html`<span aria-hidden="true"></span>`)}
    </div>`;
  }

  protected renderError(error: unknown, retry: () => void): TemplateResult {
    const apiError = error instanceof ApiError ? error : null;
    const detail = apiError?.isNetwork ? this.i18n.t('networkError') : apiError?.problem.detail || apiError?.message;
    return html`<div class="error" role="alert" part="error">
      <p><strong>${this.i18n.t('errorTitle')}</strong> ${detail ?? nothing}</p>
      <button type="button" part="button" @click=${retry}>${this.i18n.t('retry')}</button>
    </div>`;
  }

  protected renderEmpty(text: string): TemplateResult {
    return html`<p class="empty">${text}</p>`;
  }

  /** Cursor paging: `page` counts from 1; the buttons stay in place (disabled) so focus does not jump. */
  protected renderPager(section: string, page: number, hasNext: boolean, onPrevious: () => void, onNext: () => void): TemplateResult {
    return html`<nav class="pager" aria-label=${this.i18n.t('pagination', { section })}>
      <button type="button" part="button" ?disabled=${page <= 1} @click=${onPrevious}>${this.i18n.t('previous')}</button>
      <span class="muted">${this.i18n.t('pageOf', { page })}</span>
      <button type="button" part="button" ?disabled=${!hasNext} @click=${onNext}>${this.i18n.t('next')}</button>
    </nav>`;
  }
}

/** Cursor paging state: the cursor of every page visited so far, so Previous needs no backwards cursor. Immutable. */
export class CursorPages {
  private constructor(private readonly cursors: ReadonlyArray<string | null>) {}

  static first(): CursorPages {
    return new CursorPages([null]);
  }

  get page(): number {
    return this.cursors.length;
  }

  get cursor(): string | null {
    return this.cursors[this.cursors.length - 1] ?? null;
  }

  next(cursor: string): CursorPages {
    return new CursorPages([...this.cursors, cursor]);
  }

  previous(): CursorPages {
    return this.cursors.length > 1 ? new CursorPages(this.cursors.slice(0, -1)) : this;
  }
}

export function problemOf(error: unknown): Problem {
  if (error instanceof ApiError) return error.problem;
  return { type: 'about:blank', title: 'Unexpected error', status: 0, detail: String(error) };
}

/** Only http(s) links from the platform are followed: a `javascript:` URL in a receipt link must not run. */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url, document.baseURI);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** The query parameters Stripe's return adds to the page URL (`credyt_top_up`, `credyt_card`, `top_up_id`). */
const RETURN_PARAMS = /^(credyt_.*|top_up_id)$/;

/**
 * Where Stripe should send the customer back: the page the portal is on, without the parameters of an earlier
 * return (the BFF accepts it when the page's origin is one of the platform's allowed origins).
 */
export function pageReturnUrl(): string {
  const url = new URL(window.location.href);
  for (const name of [...url.searchParams.keys()]) if (RETURN_PARAMS.test(name)) url.searchParams.delete(name);
  return url.href;
}

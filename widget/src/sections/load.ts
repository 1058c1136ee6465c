let loading: Promise<void> | null = null;

/**
 * Loads and registers the sections after the balances (./lazy.ts), once per page: started as soon as the bundle
 * runs, awaited by the root before it shows them. A failed download is retried on the next call.
 */
export function loadSections(registry: CustomElementRegistry = customElements): Promise<void> {
  loading ??= import('./lazy.ts').then(
    (m) => m.defineSections(registry),
    (error: unknown) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

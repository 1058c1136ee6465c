declare const __CREDYT_WIDGET_VERSION__: string | undefined;

/** The package version, injected by the build (`define` in vite.config.ts); compared when a second copy registers. */
export const VERSION: string = typeof __CREDYT_WIDGET_VERSION__ === 'string' ? __CREDYT_WIDGET_VERSION__ : 'development';

import { css } from 'lit';

/** Text for screen readers only: out of sight, still read. Shared with the sections. */
export const srOnly = css`
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    padding: 0;
    margin: -1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;

/** The dark theme's colours: for `theme="dark"`, and for `theme="auto"` when the system is dark. */
const darkTokens = css`
  --_link: var(--credyt-color-link, #c7d2fe);
  --_focus: var(--credyt-color-focus, #c7d2fe);
  --_bg: var(--credyt-color-background, #0f172a);
  --_surface: var(--credyt-color-surface, #1e293b);
  --_text: var(--credyt-color-text, #f1f5f9);
  --_muted: var(--credyt-color-muted, #cbd5e1);
  --_border: var(--credyt-color-border, #334155);
  --_border-strong: var(--credyt-color-border-strong, #94a3b8);
  --_danger: var(--credyt-color-danger, #fca5a5);
  --_warning: var(--credyt-color-warning, #fcd34d);
  --_success: var(--credyt-color-success, #86efac);
  color-scheme: dark;
`;

/**
 * The root's styles. The page reaches inside only through the documented `--credyt-*` properties and `::part`s:
 * `.portal` resets everything it would otherwise inherit (`all: initial` leaves custom properties alone), and
 * the private `--_*` properties read the public ones with fallbacks. Branding from the platform's configuration
 * arrives as `--_brand-*` on the host (set through the CSSOM, which a strict CSP allows), so it sits *under* the
 * page's own `--credyt-*` values.
 *
 * The element itself is the size container every layout rule keys on (the sections query it by its name,
 * `portal`): its own width, a phone or a narrow column of the host page, never the viewport's. Below 600 px
 * there is one level of padding, the cards' (the portal's own too would leave a phone ~250 px of content).
 * Links and controls outside running text are 24 px targets at least (`.tap`, WCAG 2.2, 2.5.8). A section still
 * to come has an outline card the size of a section's own loading state (a heading and three lines).
 */
export const portalStyles = css`
  :host {
    all: initial;
    display: block;
    contain: content;
    container: portal / inline-size;
  }
  :host([hidden]) {
    display: none;
  }
  * {
    box-sizing: border-box;
  }
  .portal {
    all: initial;
    display: block;

    --_primary: var(--credyt-color-primary, var(--_brand-primary, #4f46e5));
    --_on-primary: var(--credyt-color-on-primary, #ffffff);
    --_link: var(--credyt-color-link, var(--_primary));
    --_focus: var(--credyt-color-focus, var(--_primary));
    --_bg: var(--credyt-color-background, #ffffff);
    --_surface: var(--credyt-color-surface, #f8fafc);
    --_text: var(--credyt-color-text, #0f172a);
    --_muted: var(--credyt-color-muted, #475569);
    --_border: var(--credyt-color-border, #e2e8f0);
    --_border-strong: var(--credyt-color-border-strong, #64748b);
    --_danger: var(--credyt-color-danger, #b91c1c);
    --_warning: var(--credyt-color-warning, #92400e);
    --_success: var(--credyt-color-success, #166534);
    --_font: var(--credyt-font-family, var(--_brand-font, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif));
    --_font-size: var(--credyt-font-size, 14px);
    --_radius: var(--credyt-radius, 8px);
    --_space: calc(var(--credyt-spacing, 8px) * var(--credyt-density, 1));

    font-family: var(--_font);
    font-size: var(--_font-size);
    line-height: 1.5;
    color: var(--_text);
    background: var(--_bg);
    padding: calc(var(--_space) * 2);
    border-radius: var(--_radius);
    text-align: start;
  }
  @container portal (width < 600px) {
    .portal {
      padding: var(--_space) 0;
    }
  }
  :host([theme='dark']) .portal {
    ${darkTokens}
  }
  @media (prefers-color-scheme: dark) {
    :host([theme='auto']) .portal {
      ${darkTokens}
    }
  }
  header {
    display: flex;
    align-items: center;
    gap: var(--_space);
    min-height: 2em;
    margin-bottom: calc(var(--_space) * 2);
  }
  header img {
    height: 2em;
    width: auto;
    max-width: 8em;
    object-fit: contain;
  }
  h2 {
    font-size: 1.35em;
    font-weight: 650;
    line-height: 1.3;
    margin: 0;
    min-width: 0;
    overflow-wrap: anywhere;
  }
  h3 {
    font-size: 1.15em;
    margin: 0 0 var(--_space);
  }
  p {
    margin: 0 0 var(--_space);
  }
  a {
    color: var(--_link);
  }
  a:focus-visible,
  button:focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  button,
  a.button {
    font: inherit;
    cursor: pointer;
    border: 1px solid var(--_border-strong);
    background: var(--_bg);
    color: var(--_text);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.5);
    min-height: max(24px, 2.25em);
  }
  a.button {
    display: inline-flex;
    align-items: center;
    text-decoration: none;
    color: var(--_link);
    border-color: currentColor;
  }
  .tap {
    display: inline-flex;
    align-items: center;
    min-height: 24px;
    min-width: 24px;
  }
  .sections,
  .outline {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: calc(var(--_space) * 2);
  }
  .outline {
    margin-top: calc(var(--_space) * 2);
  }
  @container portal (min-width: 48em) {
    .sections,
    .outline {
      grid-template-columns: repeat(2, minmax(0, 1fr));
    }
    :is(.sections, .outline) > .wide {
      grid-column: 1 / -1;
    }
  }
  .state {
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 2);
  }
  .state.error {
    color: var(--_danger);
  }
  .offline {
    border: 1px solid var(--_warning);
    color: var(--_warning);
    border-radius: var(--_radius);
    padding: var(--_space) calc(var(--_space) * 1.5);
    margin-bottom: calc(var(--_space) * 2);
  }
  .placeholder {
    display: grid;
    align-content: start;
    gap: var(--_space);
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 2);
  }
  @container portal (width < 600px) {
    .placeholder {
      padding: calc(var(--_space) * 1.5);
    }
  }
  .bone {
    display: block;
    height: 1.2em;
    border-radius: 4px;
    background: linear-gradient(90deg, var(--_border) 25%, var(--_surface) 50%, var(--_border) 75%);
    background-size: 200% 100%;
    animation: shimmer 1.4s linear infinite;
  }
  .bone.heading {
    width: 30%;
    height: 1.3em;
    margin-block: 0.2em calc(var(--_space) * 0.5 + 0.2em);
  }
  .bone.short {
    width: 70%;
  }
  @keyframes shimmer {
    to {
      background-position: -200% 0;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .bone {
      animation: none;
    }
  }
  footer {
    display: flex;
    flex-wrap: wrap;
    gap: 0 calc(var(--_space) * 2);
    margin-top: calc(var(--_space) * 2);
    font-size: 0.9em;
  }
  ${srOnly}
`;

import { css } from 'lit';
import { srOnly } from '../credyt-billing-portal.styles.ts';

/**
 * What every section shares. Colours, font and spacing come from the private `--_*` properties the root defines
 * (from the public `--credyt-*` ones), which inherit into each section's shadow root.
 *
 * Layout keys on the element's own width, never the viewport: `<credyt-billing-portal>` itself is the size
 * container `portal` (`container: portal / inline-size` on its `:host`), and `@container portal (width < 600px)` is the narrow layout (a phone,
 * or a narrow column of the host page). Narrow means one level of padding and stacked rows; nothing that
 * carries money is hidden or scrolls sideways.
 *
 * Class names to use (styled here, once):
 * - `.card`: a section's box, the only level of cards. Never put a card inside a card: a section whose content
 *   is itself cards (the wallet's figures) is `.flat`, with no box of its own.
 * - `.num`: an amount or count: tabular figures, end-aligned in tables, never broken inside.
 * - `table.stack`: a table that turns into stacked rows below 600 px: the first cell (the date) and the cell
 *   marked `.lead` (the amount) share the top line, every other cell follows below on a line of its own, with
 *   its column's name from `data-label="…"` before it when that helps. Header cells stay for screen readers.
 * - `.rows` (a `<ul>`/`<ol>`): stacked rows at every width, for lists that are not tables:
 *   `<li><div class="rows-top"><span class="rows-date">…</span><span class="rows-amount num">…</span></div>`
 *   `<div class="rows-desc">…</div><div class="rows-meta">…</div></li>` (date + amount on top, description
 *   below, then muted details). A row that expands is one `<button class="rows-toggle">` (one tab stop) with the
 *   top and description inside it.
 * - `.icon-button`: a small round button (an "i"): 24 × 24 px at least. `.tap`: a link or control outside running
 *   text grown to a 24 px target (WCAG 2.2, 2.5.8). Buttons, fields and checkboxes get that size by default.
 */
export const sectionStyles = css`
  :host {
    display: block;
    min-width: 0;
  }
  :host([hidden]) {
    display: none;
  }
  * {
    box-sizing: border-box;
  }
  .card {
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 2);
    height: 100%;
  }
  .flat {
    height: 100%;
  }
  @container portal (width < 600px) {
    .card {
      padding: calc(var(--_space) * 1.5);
    }
  }
  h3 {
    font-size: 1.15em;
    font-weight: 600;
    margin: 0 0 calc(var(--_space) * 1.5);
  }
  p {
    margin: 0 0 var(--_space);
  }
  .muted {
    color: var(--_muted);
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_space);
    align-items: end;
  }
  button,
  select,
  input {
    font: inherit;
    color: inherit;
  }
  button {
    cursor: pointer;
    border: 1px solid var(--_border);
    background: var(--_bg);
    color: var(--_text);
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.5);
    min-height: 2.25em;
  }
  button[aria-pressed='true'] {
    background: var(--_primary);
    border-color: var(--_primary);
    color: var(--_on-primary);
  }
  button.primary {
    background: var(--_primary);
    border-color: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }
  button.icon-button {
    display: inline-grid;
    place-items: center;
    min-height: 24px;
    min-width: 24px;
    padding: 0;
    border-radius: 50%;
    line-height: 1;
  }
  .tap {
    display: inline-flex;
    align-items: center;
    min-height: 24px;
    min-width: 24px;
  }
  input:is([type='checkbox'], [type='radio']) {
    width: 24px;
    height: 24px;
    min-height: 0;
    margin: 0;
    flex: none;
    accent-color: var(--_primary);
  }
  button:disabled {
    cursor: not-allowed;
    opacity: 0.6;
  }
  a {
    color: var(--_link);
  }
  a.button {
    display: inline-block;
    text-decoration: none;
    /* The link's own colour: the brand colour can be too dark to see on a dark page. */
    border: 1px solid currentColor;
    border-radius: var(--_radius);
    padding: calc(var(--_space) * 0.75) calc(var(--_space) * 1.5);
  }
  :is(button, a, input, select, [tabindex]):focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  label {
    display: grid;
    gap: calc(var(--_space) / 2);
    font-weight: 500;
  }
  input,
  select {
    background: var(--_bg);
    border: 1px solid var(--_border-strong);
    border-radius: calc(var(--_radius) * 0.75);
    padding: calc(var(--_space) * 0.75);
    min-height: 2.25em;
    min-width: 0;
  }
  input[aria-invalid='true'] {
    border-color: var(--_danger);
  }
  .table-wrap {
    overflow-x: auto;
  }
  table {
    width: 100%;
    border-collapse: collapse;
  }
  caption {
    text-align: start;
    font-weight: 600;
    padding-block-end: var(--_space);
  }
  th,
  td {
    text-align: start;
    padding: calc(var(--_space) * 0.75) var(--_space);
    border-bottom: 1px solid var(--_border);
    vertical-align: top;
  }
  th {
    font-weight: 600;
    color: var(--_muted);
    font-size: 0.9em;
  }
  .num {
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  td.num,
  th.num {
    text-align: end;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
  @container portal (width < 600px) {
    .table-wrap:has(> table.stack) {
      overflow-x: visible;
    }
    table.stack thead {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
    table.stack,
    table.stack tbody {
      display: block;
    }
    table.stack tr {
      display: grid;
      grid-template-columns: minmax(0, 1fr) auto;
      column-gap: var(--_space);
      row-gap: calc(var(--_space) / 4);
      padding-block: var(--_space);
      border-bottom: 1px solid var(--_border);
    }
    table.stack tbody > tr > :is(td, th) {
      display: block;
      grid-column: 1 / -1;
      padding: 0;
      border: 0;
      text-align: start;
    }
    table.stack tbody > tr > :first-child {
      grid-column: 1;
      grid-row: 1;
      color: var(--_muted);
    }
    table.stack tbody > tr > .lead {
      grid-column: 2;
      grid-row: 1;
      text-align: end;
      font-weight: 600;
    }
    table.stack tbody > tr > .num:not(.lead) {
      text-align: start;
      white-space: normal;
    }
    table.stack [data-label]::before {
      content: attr(data-label) ': ';
      color: var(--_muted);
      font-weight: normal;
    }
  }
  .rows {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  .rows > li {
    display: grid;
    gap: calc(var(--_space) / 4);
    padding-block: var(--_space);
    border-bottom: 1px solid var(--_border);
  }
  .rows-top {
    display: flex;
    flex-wrap: wrap;
    justify-content: space-between;
    align-items: baseline;
    gap: 0 var(--_space);
  }
  .rows-date,
  .rows-meta {
    color: var(--_muted);
  }
  .rows-meta {
    font-size: 0.9em;
  }
  .rows-amount {
    margin-inline-start: auto;
    font-weight: 600;
    text-align: end;
  }
  .rows-desc {
    overflow-wrap: anywhere;
  }
  button.rows-toggle {
    display: grid;
    gap: calc(var(--_space) / 4);
    padding: calc(var(--_space) / 2);
    margin: calc(var(--_space) / -2);
    border: 0;
    background: none;
    text-align: start;
    width: calc(100% + var(--_space));
  }
  .notice {
    border-radius: calc(var(--_radius) * 0.75);
    padding: var(--_space) calc(var(--_space) * 1.5);
    border: 1px solid currentColor;
    margin-block: var(--_space);
  }
  .notice.warning {
    color: var(--_warning);
  }
  .notice.danger,
  .error {
    color: var(--_danger);
  }
  .notice.success {
    color: var(--_success);
  }
  .error {
    display: grid;
    gap: var(--_space);
    justify-items: start;
  }
  .empty {
    color: var(--_muted);
    padding-block: var(--_space);
  }
  .skeleton {
    display: grid;
    gap: var(--_space);
  }
  .skeleton span {
    display: block;
    height: 1.2em;
    border-radius: 4px;
    background: linear-gradient(90deg, var(--_border) 25%, var(--_surface) 50%, var(--_border) 75%);
    background-size: 200% 100%;
    animation: shimmer 1.4s linear infinite;
  }
  .skeleton span:nth-child(2n) {
    width: 70%;
  }
  @keyframes shimmer {
    to {
      background-position: -200% 0;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .skeleton span {
      animation: none;
    }
  }
  .pager {
    display: flex;
    gap: var(--_space);
    align-items: center;
    justify-content: flex-end;
    margin-top: var(--_space);
  }
  ${srOnly}
`;

import { css } from 'lit';
import { srOnly } from '../credyt-billing-portal.styles.ts';

/**
 * What every section shares. Colours, font and spacing come from the private `--_*` properties the root defines
 * (from the public `--credyt-*` ones), which inherit into each section's shadow root.
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
    border: 1px solid var(--_primary);
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
  td.num,
  th.num {
    text-align: end;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
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

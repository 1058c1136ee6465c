import { css } from 'lit';

/**
 * The ledger's lists (usage events and their fees, a day's usage and its events), on top of the shared
 * `table.stack`: each row that opens is one `<tbody>` with a summary row, whose only tab stop is its
 * `button.toggle` (`aria-expanded`, `aria-controls`), and a details row below it.
 */
export const ledgerTableStyles = css`
  table.expandable tr[hidden] {
    display: none !important;
  }
  table.expandable tr.summary {
    cursor: pointer;
  }
  table.expandable tbody.open > tr.summary > td {
    border-bottom: 0;
  }
  button.toggle {
    display: inline-flex;
    align-items: center;
    gap: calc(var(--_space) * 0.75);
    min-height: 24px;
    min-width: 24px;
    margin: 0;
    padding: 0;
    border: 0;
    border-radius: calc(var(--_radius) / 2);
    background: none;
    color: inherit;
    font-weight: 600;
    text-align: start;
    overflow-wrap: anywhere;
  }
  /* A chevron pointing down (closed) or up (open): the same in either reading direction. */
  .chevron {
    flex: none;
    width: 0.5em;
    height: 0.5em;
    margin-block-end: 0.2em;
    border-right: 2px solid currentColor;
    border-bottom: 2px solid currentColor;
    transform: rotate(45deg);
    transition: transform 0.15s ease;
  }
  [aria-expanded='true'] > .chevron {
    transform: rotate(-135deg);
    margin-block: 0.3em 0;
  }
  @media (prefers-reduced-motion: reduce) {
    .chevron {
      transition: none;
    }
  }
  .meta,
  .fiat,
  .sub {
    display: block;
    color: var(--_muted);
    font-size: 0.9em;
    font-weight: normal;
    overflow-wrap: anywhere;
  }
  /*
   * Each part of a line (a quantity, a subject, with the "·" after it) wraps as a whole, so a line reads in order in
   * either direction and never starts with a separator.
   */
  :is(.meta, .how) > .part {
    display: inline-block;
    max-width: 100%;
  }
  tr.details > td {
    padding-block-start: 0;
  }
  .breakdown {
    list-style: none;
    margin: 0;
    padding: var(--_space) 0 0;
    display: grid;
    gap: var(--_space);
    border-block-start: 1px dashed var(--_border);
  }
  .breakdown > li {
    display: flex;
    justify-content: space-between;
    align-items: baseline;
    gap: var(--_space);
  }
  .breakdown .what {
    min-width: 0;
    overflow-wrap: anywhere;
  }
  .breakdown .how {
    display: block;
    color: var(--_muted);
    font-size: 0.9em;
  }
  .breakdown .num {
    flex: none;
    text-align: end;
  }
  .description {
    margin: var(--_space) 0 0;
    color: var(--_muted);
    overflow-wrap: anywhere;
  }
  .details-footer {
    margin-block-start: var(--_space);
  }
  .aside {
    display: none;
  }
  @container portal (width < 600px) {
    /* The lead's second line moves beside the title (see ExpandableRow.aside): the amount keeps one line. */
    table.stack .lead > .has-aside {
      display: none;
    }
    .aside {
      display: block;
      float: inline-end;
      margin-inline-start: var(--_space);
      color: var(--_muted);
      font-size: 0.9em;
      line-height: 1.8;
      white-space: nowrap;
    }
    table.stack tbody > tr.details {
      padding-block-start: 0;
    }
    table.stack tbody.open > tr.summary {
      border-bottom: 0;
    }
    table.stack tbody > tr.details > td {
      grid-column: 1 / -1;
      grid-row: auto;
      color: inherit;
    }
    table.stack tbody > tr.details > td.pad {
      display: none;
    }
    .breakdown .num {
      white-space: normal;
      overflow-wrap: anywhere;
    }
    /* The pager of these lists: where we are on a line of its own, the two buttons side by side below. */
    .pager {
      display: grid;
      grid-template-columns: 1fr 1fr;
    }
    .pager > span {
      grid-column: 1 / -1;
      grid-row: 1;
      text-align: center;
    }
  }
`;

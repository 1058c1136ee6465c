/**
 * Pages a person sees: the hosted Checkout page (a "Card number" field and a "Pay" button, as the contract
 * fixes), the simulated 3D Secure challenge, and the receipt behind `charge.receipt_url`. Plain HTML forms,
 * so they work in any browser and in Playwright without JavaScript.
 */
import { Hono, type Context } from 'hono';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { defaultExpiry } from './cards.ts';
import { formatAmount, type CheckoutSession } from './objects.ts';
import type { CheckoutStep, Payments } from './payments.ts';
import type { Store } from './store.ts';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const styles = `
  body { font: 16px/1.5 system-ui, sans-serif; background: #f6f8fa; color: #1a1f36; margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 12px;
         box-shadow: 0 2px 12px rgb(0 0 0 / 8%); }
  .badge { display: inline-block; background: #ffde92; color: #5a3e00; font-size: .75rem; font-weight: 600;
           padding: .1rem .5rem; border-radius: 4px; margin: 0; }
  h1 { font-size: 1.5rem; margin: .75rem 0; }
  ul { padding: 0; list-style: none; } li { display: flex; justify-content: space-between; gap: 1rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input { width: 100%; box-sizing: border-box; font: inherit; padding: .6rem; border: 1px solid #c0c8d2; border-radius: 6px; }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
  button { width: 100%; margin-top: 1.5rem; padding: .75rem; font: inherit; font-weight: 600; color: #fff;
           background: #635bff; border: 0; border-radius: 6px; cursor: pointer; }
  button.secondary { background: #fff; color: #1a1f36; border: 1px solid #c0c8d2; }
  [role=alert] { color: #b3093c; background: #fff0f3; padding: .6rem; border-radius: 6px; }
  a { color: #635bff; } details { margin-top: 1.5rem; font-size: .875rem; color: #4f566b; }
`;

function page(title: string, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${raw(styles)}
        </style>
      </head>
      <body>
        <main>
          <p class="badge">Test mode · Stripe emulator</p>
          ${body}
        </main>
      </body>
    </html>`;
}

const testCards = html`<details>
  <summary>Test cards</summary>
  <ul>
    <li><span>4242 4242 4242 4242</span><span>succeeds</span></li>
    <li><span>4000 0000 0000 0002</span><span>declined</span></li>
    <li><span>4000 0000 0000 9995</span><span>insufficient funds</span></li>
    <li><span>4000 0025 0000 3155</span><span>3D Secure, then saved for off-session</span></li>
    <li><span>4000 0027 6000 3184</span><span>3D Secure on every payment</span></li>
    <li><span>4000 0000 0000 0341</span><span>saves, but charges fail</span></li>
  </ul>
</details>`;

export function createPages({ store, payments }: { store: Store; payments: Payments }): Hono {
  function checkoutPage(session: CheckoutSession, error: string | null): Html {
    const details = store.checkoutDetails.get(session.id)!;
    const currency = session.currency ?? 'usd';
    const paying = session.mode === 'payment';
    const title = paying ? `Pay ${formatAmount(session.amount_total ?? 0, currency)}` : 'Save a card for future payments';
    return page(
      title,
      html`<h1>${title}</h1>
        ${
          paying
            ? html`<ul aria-label="Order summary">
                ${details.lineItems.map(
                  (item) =>
                    html`<li>
                      <span
                        >${item.name}${item.quantity > 1 ? ` × ${item.quantity}` : ''}${item.description ? html`<br /><small>${item.description}</small>` : ''}</span
                      >
                      <span>${formatAmount(item.unitAmount * item.quantity, currency)}</span>
                    </li>`,
                )}
              </ul>`
            : html`<p>Your card will be saved and charged later, when you ask for it.</p>`
        }
        ${error ? html`<p role="alert" id="card-error">${error}</p>` : ''}
        <form method="post" action="/checkout/${session.id}">
          <label for="card-number">Card number</label>
          <input
            id="card-number"
            name="card_number"
            inputmode="numeric"
            autocomplete="cc-number"
            placeholder="1234 1234 1234 1234"
            required
            ${error ? html`aria-describedby="card-error" aria-invalid="true"` : ''}
          />
          <div class="row">
            <div>
              <label for="card-expiry">Expiration (MM / YY)</label>
              <input id="card-expiry" name="expiry" autocomplete="cc-exp" value="${defaultExpiry()}" />
            </div>
            <div>
              <label for="card-cvc">CVC</label>
              <input id="card-cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" value="123" />
            </div>
          </div>
          <button type="submit">${paying ? 'Pay' : 'Save card'}</button>
        </form>
        ${session.cancel_url ? html`<p><a href="${session.cancel_url}">Cancel</a></p>` : ''} ${testCards}`,
    );
  }

  function authenticationPage(session: CheckoutSession, last4: string): Html {
    return page(
      '3D Secure authentication',
      html`<h1>Authenticate your card</h1>
        <p>
          Your bank asks you to confirm ${session.mode === 'payment' ? 'this payment' : 'saving this card'} (card ending ${last4}). This is
          a simulated 3D Secure challenge.
        </p>
        <form method="post" action="/checkout/${session.id}/authenticate">
          <button type="submit" name="outcome" value="complete">Complete authentication</button>
          <button type="submit" name="outcome" value="fail" class="secondary">Fail authentication</button>
        </form>`,
    );
  }

  function closedPage(session: CheckoutSession): Html {
    const complete = session.status === 'complete';
    const title = complete ? 'Thanks, you are all done' : 'This checkout session has expired';
    const back = complete ? session.success_url?.replaceAll('{CHECKOUT_SESSION_ID}', session.id) : session.cancel_url;
    return page(
      title,
      html`<h1>${title}</h1>
        ${back ? html`<p><a href="${back}">Return to the merchant</a></p>` : ''}`,
    );
  }

  const notFound = page('Not found', html`<h1>This checkout session does not exist</h1>`);

  return new Hono()
    .get('/checkout/:id', (c) => {
      const session = store.sessions.get(c.req.param('id'));
      if (!session) return c.html(notFound, 404);
      if (session.status !== 'open') return c.html(closedPage(session));
      const awaiting = store.checkoutDetails.get(session.id)?.awaitingAuthentication;
      const card = awaiting ? store.cards.get(awaiting) : undefined;
      return c.html(card ? authenticationPage(session, card.card.last4) : checkoutPage(session, null));
    })
    .post('/checkout/:id', async (c) => {
      const form = await c.req.parseBody();
      const step = payments.submitCard(c.req.param('id'), {
        number: String(form.card_number ?? ''),
        expiry: String(form.expiry ?? ''),
      });
      return show(c, step, c.req.param('id'));
    })
    .post('/checkout/:id/authenticate', async (c) => {
      const form = await c.req.parseBody();
      return show(c, payments.authenticate(c.req.param('id'), form.outcome === 'complete'), c.req.param('id'));
    })
    .get('/receipts/:id', (c) => {
      const charge = store.charges.get(c.req.param('id'));
      if (!charge) return c.html(page('Not found', html`<h1>This receipt does not exist</h1>`), 404);
      const card = charge.payment_method_details?.card;
      const paidAt = new Date(charge.created * 1000).toUTCString();
      return c.html(
        page(
          'Receipt',
          html`<h1>Receipt</h1>
            <dl>
              <dt>Amount ${charge.status === 'succeeded' ? 'paid' : `(${charge.status})`}</dt>
              <dd>${formatAmount(charge.amount, charge.currency)}</dd>
              <dt>Date</dt>
              <dd>${paidAt}</dd>
              <dt>Payment method</dt>
              <dd>${card?.brand ?? 'card'} ending ${card?.last4 ?? '????'}</dd>
              ${
                charge.description
                  ? html`<dt>Description</dt>
                      <dd>${charge.description}</dd>`
                  : ''
              }
              <dt>Receipt for</dt>
              <dd>${charge.id}</dd>
            </dl>`,
        ),
      );
    });

  function show(c: Context, step: CheckoutStep, sessionId: string): Response | Promise<Response> {
    const session = store.sessions.get(sessionId);
    if (!session) return c.html(notFound, 404);
    switch (step.kind) {
      case 'completed':
        return step.redirectTo ? c.redirect(step.redirectTo, 303) : c.html(closedPage(session));
      case 'authenticate': {
        const card = store.cards.get(store.checkoutDetails.get(sessionId)!.awaitingAuthentication!)!;
        return c.html(authenticationPage(session, card.card.last4));
      }
      case 'declined':
        return c.html(checkoutPage(session, step.message));
      case 'closed':
        // Nothing to do for this form (a stale tab): show the session as it is now.
        return c.redirect(`/checkout/${sessionId}`, 303);
    }
  }
}

import { defineElements } from './define.ts';

export { defineElements } from './define.ts';
export { CredytBillingPortal } from './credyt-billing-portal.ts';
export type { Theme } from './credyt-billing-portal.ts';
export { ApiError } from './api/client.ts';
export type { ReadyDetail, SessionExpiredDetail, TopUpStartedDetail } from './events.ts';
export { VERSION } from './version.ts';

defineElements();

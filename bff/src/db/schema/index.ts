export * from './tenancy.ts';
export * from './catalog.ts';
export * from './customers.ts';
export * from './ledger.ts';
export * from './portal.ts';
export * from './payments.ts';
export * from './vendors.ts';
export * from './webhooks.ts';

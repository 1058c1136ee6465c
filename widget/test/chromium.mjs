import process from 'node:process';

/**
 * How every test, benchmark and screenshot here starts Chromium: Debian's (never a downloaded one), headless, with
 * the background services off, since this machine's closed network refuses their connections.
 */
export const CHROMIUM_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless=new',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

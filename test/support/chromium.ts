import { findChromium } from './chromium-lookup';

/** The Chromium `npm test` made sure of before jest started (ensure-chromium.ts), found the same way. */
export const CHROMIUM = chromiumForTests();

function chromiumForTests(): string {
  const lookup = findChromium();
  if (lookup.found) return lookup.path;
  throw new Error(`${lookup.problem}: run the tests with npm test (it installs Debian's chromium when it may) or set CHROMIUM_PATH`);
}

/**
 * Headless, and silent on the network: without the background-networking flags Chromium keeps calling home, which
 * this machine refuses. Every page under test is on 127.0.0.1.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

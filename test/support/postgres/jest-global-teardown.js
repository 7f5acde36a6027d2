// Stops the server jest-global-setup.js started: closing its stdin makes it stop and delete its data.
module.exports = async function stopTestPostgres() {
  const child = globalThis.__PLL_TEST_POSTGRES__;
  if (!child || child.exitCode !== null) return;
  await new Promise((resolve) => {
    child.once('exit', resolve);
    child.stdin.end();
  });
};

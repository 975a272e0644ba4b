// Node 20 lacks Object.groupBy, which chevrotain calls; see scripts/polyfills.cjs.
import '../../scripts/polyfills.cjs';

// Entry point of the bundled `knet` command.
import '../polyfills';
import { run } from './main';

void run(process.argv.slice(2));

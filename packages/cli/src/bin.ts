import { runCli } from './program.ts';

const code = await runCli(process.argv.slice(2));
// `serve` keeps running (its server holds the event loop); other commands end here.
if (code !== 0) process.exitCode = code;

import { runCli } from './program';

// tools/admin (and the platform library under it) loads only for the commands that read a
// secret: the API commands start faster without it.
const admin = () => import('@smsgw/tool-admin');

// The process edge: arguments, environment, terminal and exit code. Everything else is in program.ts.
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: (text) => void process.stdout.write(`${text}\n`),
  stderr: (text) => void process.stderr.write(`${text}\n`),
  readStdin: async () => (await admin()).readStdin(),
  promptPassword: process.stdin.isTTY ? async () => (await admin()).promptTwice('SMPP password: ') : undefined,
});

import { hashPasswordCommand } from './hash-password-command';
import { promptTwice, readStdin } from './read-secret';

const prompt = () => promptTwice('SMPP password: ');
const res = await hashPasswordCommand(process.argv.slice(2), { prompt: process.stdin.isTTY ? prompt : undefined, stdin: readStdin });
if (res.stdout) console.log(res.stdout);
if (res.stderr) console.error(res.stderr);
process.exit(res.code);

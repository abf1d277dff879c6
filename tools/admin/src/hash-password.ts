import { hashPasswordCommand } from './hash-password-command';

/** Reads a line from the terminal without echoing it. */
function promptHidden(label: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(label);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let pw = '';
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(pw);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') pw = pw.slice(0, -1);
        else pw += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const prompt = async () => {
  const pw = await promptHidden('SMPP password: ');
  return (await promptHidden('again: ')) === pw ? pw : undefined;
};
const res = await hashPasswordCommand(process.argv.slice(2), { prompt: process.stdin.isTTY ? prompt : undefined, stdin: readStdin });
if (res.stdout) console.log(res.stdout);
if (res.stderr) console.error(res.stderr);
process.exit(res.code);

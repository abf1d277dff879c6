// What other tools share (tools/cli): the commands as functions without the process, and the
// terminal input they read from. main.ts and hash-password.ts are the scripts around them.
export { hashPasswordCommand, type CommandResult, type PasswordSource } from './hash-password-command';
export { hashTokenCommand } from './hash-token-command';
export { promptHidden, promptTwice, readStdin } from './read-secret';

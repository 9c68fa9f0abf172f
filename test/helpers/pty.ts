// Runs a command on a real pseudo-terminal, as a person at a terminal would: Python's pty module
// (no native Node add-on needed), driven through execFile with an argument array. Each step
// waits for a text on the screen, then types keys.
import { execFile } from 'node:child_process';

const DRIVER = `
import json, os, pty, select, sys, time
steps = json.loads(sys.argv[1])
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out, seen, deadline = b'', 0, time.time() + 30
while True:
    if steps and steps[0][0].encode() in out[seen:]:
        seen = out.index(steps[0][0].encode(), seen) + len(steps[0][0])
        os.write(fd, steps.pop(0)[1].encode())
    r, _, _ = select.select([fd], [], [], 0.05)
    if fd in r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            data = b''
        if not data:
            break
        out += data
    if time.time() > deadline:
        os.kill(pid, 9)
        break
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
`;

export interface PtyRun {
  code: number;
  /** Everything the terminal showed: the program's stdout and stderr, and any echo. */
  screen: string;
}

/** Runs `cmd args` on a pseudo-terminal; `steps` are [text to wait for, keys to type]. */
export function onTerminal(cmd: string, args: string[], steps: [string, string][], env: NodeJS.ProcessEnv): Promise<PtyRun> {
  return new Promise((resolve) => {
    execFile('python3', ['-c', DRIVER, JSON.stringify(steps), cmd, ...args], { env, timeout: 60_000 }, (err, stdout) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, screen: stdout });
    });
  });
}

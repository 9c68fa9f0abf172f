import { describe, expect, it } from 'vitest';
import { commandStartError, planInstances, processCmd } from './process-containers.js';

describe('planInstances', () => {
  it("runs one web and no other type unless the formation says otherwise (Heroku's and Dokku's default), web first, never release", () => {
    expect(planInstances({ worker: 'w', web: 'x', release: 'm', custom: 'echo -n' }, {})).toEqual([{ type: 'web', index: 1 }]);
    expect(planInstances({ worker: 'w', web: 'x', release: 'm' }, { web: 2, worker: 1 })).toEqual([
      { type: 'web', index: 1 },
      { type: 'web', index: 2 },
      { type: 'worker', index: 1 },
    ]);
    expect(planInstances({ web: '', worker: 'w' }, { web: 0, worker: 1 })).toEqual([{ type: 'worker', index: 1 }]);
  });
});

describe('processCmd', () => {
  it("keeps the image's CMD for an empty command", () => expect(processCmd('')).toBeUndefined());
  it('execs a simple command so it receives SIGTERM', () => expect(processCmd('python3 web.py')).toEqual(['sh', '-c', 'exec python3 web.py']));
  it('runs a Procfile command that already execs as written', () => expect(processCmd('exec python3 web.py')).toEqual(['sh', '-c', 'exec python3 web.py']));
  it('keeps the shell for compound commands', () => expect(processCmd('./migrate && ./serve')).toEqual(['sh', '-c', './migrate && ./serve']));
});

describe('commandStartError: a command `berth run` cannot start is told as a shell would', () => {
  const oci = (detail: string) =>
    `container did not start: (HTTP code 400) unexpected - failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: ${detail}: unknown`;
  it('says a missing command is not found in the image, exit 127', () =>
    expect(commandStartError('nosuchcmd', oci('exec: "nosuchcmd": executable file not found in $PATH'))).toEqual({ code: 127, error: "nosuchcmd: command not found in the app's image" }));
  it('says the same of a missing absolute path', () => expect(commandStartError('/bin/nope', oci('exec: "/bin/nope": stat /bin/nope: no such file or directory'))?.code).toBe(127));
  it('says a file that is not executable cannot run, exit 126', () => expect(commandStartError('./app.py', oci('exec: "./app.py": permission denied'))?.code).toBe(126));
  it('leaves other errors alone', () => expect(commandStartError('ls', 'no such image: berth/x')).toBeNull());
});

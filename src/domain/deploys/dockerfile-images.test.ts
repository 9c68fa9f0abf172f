import { describe, expect, it } from 'vitest';
import { builderFlags, dockerfileImages, dockerfileLines, expandWord, triggerImages } from './dockerfile-images.js';

const ARGS = { BERTH_IMAGE_BASE: 'berth/base:bookworm', BERTH_IMAGE_NODE: 'berth/node:bookworm', BERTH_IMAGE_GO: 'berth/go:bookworm' };
const refs = (text: string) => {
  const r = dockerfileImages(text, ARGS);
  return { images: r.images.map((i) => `${i.what} ${i.ref} @${i.line}`), problems: r.problems };
};

describe('dockerfileImages', () => {
  it.each<[string, string, string[]]>([
    ['a plain FROM', 'FROM alpine:3\nRUN true\n', ['FROM alpine:3 @1']],
    ['FROM with --platform and a stage name', 'FROM --platform=linux/amd64 registry.example/x:1 AS build\n', ['FROM registry.example/x:1 @1']],
    ['scratch, which is no image', 'FROM scratch\nCOPY a /a\n', []],
    ['earlier stages by name (any case) and by number', 'FROM a/b:1 AS Build\nFROM build\nCOPY --from=BUILD /x /x\nCOPY --from=0 /y /y\n', ['FROM a/b:1 @1']],
    ['a stage named only later is an image', 'FROM a/b:1\nCOPY --from=later /x /x\nFROM c/d:1 AS later\n', ['FROM a/b:1 @1', 'COPY --from later @2', 'FROM c/d:1 @3']],
    ['COPY and ADD --from, quoted', 'FROM scratch\nCOPY --chown=1:1 --from="x/y:2" /a /a\nADD --from=\'z/w\' /b /b\n', ['COPY --from x/y:2 @2', 'ADD --from z/w @3']],
    ['RUN --mount from=, with other options around it', 'FROM scratch\nRUN --mount=type=bind,source=/,target=/m,from=x/y:3 --mount=type=cache,target=/c true\n', ['RUN --mount x/y:3 @2']],
    ['RUN --mount with a quoted field', 'FROM scratch\nRUN --mount="type=bind,from=q/r:1,target=/a,b" true\n', ['RUN --mount q/r:1 @2']],
    ['ONBUILD triggers', 'FROM scratch\nONBUILD COPY --from=x/y:1 / /\nONBUILD RUN --mount=from=z/w:1 true\n', ['ONBUILD COPY --from x/y:1 @2', 'ONBUILD RUN --mount z/w:1 @3']],
    ['the first line of a continued instruction', 'FROM \\\n  alpine:3 \\\n  AS one\n', ['FROM alpine:3 @1']],
    ['a continuation with spaces after the backslash', 'RUN echo \\   \nFROM a/b:1\n', []],
    ['comments and blank lines inside a continuation', 'FROM \\\n# a comment\n\n  x/y:1\n', ['FROM x/y:1 @1']],
    ['an escaped backslash that ends the line', 'FROM x/y:1\nRUN echo \\\\\nFROM a/b:2\n', ['FROM x/y:1 @1', 'FROM a/b:2 @3']],
    ['CRLF line ends and a byte-order mark', '\uFEFFFROM x/y:1\r\nCOPY --from=a/b:2 / /\r\n', ['FROM x/y:1 @1', 'COPY --from a/b:2 @2']],
    ['lower-case instructions and leading white space', '  from x/y:1\n\tcopy --from=a/b:2 / /\n', ['FROM x/y:1 @1', 'COPY --from a/b:2 @2']],
    ['instructions spelled with characters Go lowercases to ASCII', 'FROM scratch\nONBU\u0130LD COPY --from=a/b:2 / /\n', ['ONBUILD COPY --from a/b:2 @2']],
    ['Go white space (NEL) before an instruction', '\u0085FROM x/y:1\n', ['FROM x/y:1 @1']],
    ['a directive choosing the backtick as escape', '# escape=`\nFROM x/y:1\nRUN echo \\\nFROM a/b:2\nRUN echo `\n  more\n', ['FROM x/y:1 @2', 'FROM a/b:2 @4']],
    ['a FROM hidden in a backslash continuation only under escape=`', '# syntax=docker/dockerfile:1\n# escape=`\nFROM scratch\nRUN echo \\\nFROM a/b:2\n', ['FROM a/b:2 @5']],
  ])('finds the images of %s', (_name, text, expected) => {
    const r = refs(text);
    expect(r.problems).toEqual([]);
    expect(r.images).toEqual(expected);
  });

  it.each<[string, string, string[]]>([
    ['ARG defaults before FROM', 'ARG IMG=x/y:1\nFROM $IMG\n', ['FROM x/y:1 @2']],
    ['${X}, ${X:-d} and ${X:+a}', 'ARG A=x/y\nARG B\nFROM ${A}:1\nFROM ${B:-c/d:2}\nFROM e/f${A:+:3}\n', ['FROM x/y:1 @3', 'FROM c/d:2 @4', 'FROM e/f:3 @5']],
    ["Berth's build arguments over the ARG's default", 'ARG BERTH_IMAGE_NODE=node:20-slim\nFROM ${BERTH_IMAGE_NODE}\n', ['FROM berth/node:bookworm @2']],
    ['an ARG default made of other ARGs', 'ARG P=berthtest\nARG R=${P}/alpha/web:d1\nFROM $R\n', ['FROM berthtest/alpha/web:d1 @3']],
    ['quoted ARG defaults and several ARGs on one line', 'ARG A="x/y:1" B=\'c/d:2\'\nFROM $A\nFROM $B\n', ['FROM x/y:1 @2', 'FROM c/d:2 @3']],
    ['a stage ARG inheriting the default before FROM', 'ARG I=x/y:1\nFROM scratch\nARG I\nCOPY --from=$I / /\n', ['COPY --from x/y:1 @4']],
    ['a stage ARG with its own default', 'FROM scratch\nARG I=q/r:5\nCOPY --from=${I} / /\n', ['COPY --from q/r:5 @3']],
    ['a stage name reached through a variable', 'ARG S=build\nFROM x/y:1 AS build\nFROM scratch\nARG S\nCOPY --from=$S / /\n', ['FROM x/y:1 @2']],
    ["the generated Go Dockerfile's two base images", 'ARG BERTH_IMAGE_GO=berth/go:bookworm\nARG BERTH_IMAGE_BASE=berth/base:bookworm\nFROM ${BERTH_IMAGE_GO} AS build\nRUN go build\nFROM ${BERTH_IMAGE_BASE}\nCOPY --from=build /out/app /app\n', ['FROM berth/go:bookworm @3', 'FROM berth/base:bookworm @5']],
  ])('substitutes %s', (_name, text, expected) => {
    const r = refs(text);
    expect(r.problems).toEqual([]);
    expect(r.images).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ['an undeclared variable in FROM (Docker sees only ARGs before FROM)', 'FROM ${BERTH_IMAGE_BASE}\n', /\$BERTH_IMAGE_BASE is not set/],
    ['an ARG without a default or a build argument', 'ARG X\nFROM $X\n', /\$X is not set/],
    ['a stage ARG in FROM', 'FROM scratch\nARG X=a/b\nFROM $X\n', /\$X is not set/],
    ['a variable ENV set', 'ARG X=a/b:1\nFROM scratch\nARG X\nENV X=c/d:2\nCOPY --from=$X / /\n', /\$X \(set by ENV/],
    ['an ARG whose default uses an ENV value', 'FROM scratch\nENV E=c/d\nARG X=$E:1\nCOPY --from=$X / /\n', /\$X \(set by ENV/],
    ['expansion Berth does not read', 'ARG X=a/b:1\nFROM ${X%:*}\n', /Berth reads only/],
    ['a variable in an ONBUILD trigger', 'ARG X=a/b:1\nFROM scratch\nONBUILD COPY --from=$X / /\n', /\$X is not set/],
    ['a heredoc', 'FROM scratch\nRUN <<EOF\necho hi\nEOF\n', /heredoc/],
    ['a heredoc in a trigger', 'FROM scratch\nONBUILD RUN <<-"EOT" sh\n', /heredoc/],
    ['an empty image name', 'ARG X=""\nFROM $X\n', /names no image/],
  ])('refuses %s', (_name, text, problem) => {
    const r = refs(text);
    expect(r.problems.join('\n')).toMatch(problem);
  });
});

describe('triggerImages', () => {
  it("reads an image's ONBUILD triggers, numbered from 1", () => {
    expect(triggerImages(['RUN true', 'COPY --from=x/y:1 /a /a'])).toEqual({ images: [{ ref: 'x/y:1', line: 2, what: 'ONBUILD COPY --from' }], problems: [] });
    expect(triggerImages(['COPY --from=$X / /']).problems[0]).toMatch(/^trigger 1: /);
  });
});

describe('the pieces', () => {
  it.each<[string, string[], string]>([
    ['--from=x /a /b', ['from=x'], '/a /b'],
    ['--from="a b" --chown=1 src dst', ['from=a b', 'chown=1'], 'src dst'],
    ["--from='q' -- --odd", ['from=q'], '--odd'],
    ['plain args', [], 'plain args'],
  ])('splits builder flags off %j', (args, flags, rest) => {
    const r = builderFlags(args);
    expect(r.flags.map((f) => `${f.name}=${f.value ?? ''}`)).toEqual(flags);
    expect(r.rest).toBe(rest);
  });

  it.each<[string, string]>([
    ['"x/y":1', 'x/y:1'],
    ["'$A'", '$A'],
    ['\\$A', '$A'],
    ['"$A"/b', 'v/b'],
    ['${A}${A}', 'vv'],
  ])('expands %s', (word, out) => expect(expandWord(word, new Map([['A', 'v']]))).toBe(out));

  it('joins lines as Docker does and reports where each instruction starts', () => {
    expect(dockerfileLines('# c\nFROM a \\\n b\n\nRUN x\n').lines).toEqual([
      { text: 'FROM a  b', line: 2 },
      { text: 'RUN x', line: 5 },
    ]);
  });
});

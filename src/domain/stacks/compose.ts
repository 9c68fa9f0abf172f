// The docker-compose.yml `berth generate --compose` writes: the template, plus a note on the
// base images the generated Dockerfile names, which exist only on a Berth host.

/** Public images with the same tools as Berth's base images, by build argument. */
const PUBLIC_IMAGES: Record<string, string> = {
  BERTH_IMAGE_NODE: 'node:18-bookworm-slim',
  BERTH_IMAGE_PYTHON: 'python:3.11-slim-bookworm',
  BERTH_IMAGE_GO: 'golang:1.19-bookworm',
  BERTH_IMAGE_BASE: 'debian:bookworm-slim',
};

/** The `ARG BERTH_IMAGE_*=<image>` lines of a Dockerfile, in order. */
export function berthImageArgs(dockerfile: string): { arg: string; image: string }[] {
  return [...dockerfile.matchAll(/^ARG (BERTH_IMAGE_[A-Z]+)=(\S+)\s*$/gm)].map((m) => ({ arg: m[1]!, image: m[2]! }));
}

/** The compose file for app `name` on `port`; `dockerfile` is the one it builds with, if Berth generated it. */
export function composeFile(template: string, p: { name: string; port: number; dockerfile?: string | undefined }): string {
  const text = template.replaceAll('{{NAME}}', p.name).replaceAll('{{PORT}}', String(p.port));
  const args = p.dockerfile ? berthImageArgs(p.dockerfile) : [];
  if (args.length === 0) return text;
  const note = [
    `# The Dockerfile builds FROM ${args.map((a) => a.image).join(' and ')}: Berth's own base image${args.length > 1 ? 's' : ''},`,
    '# which exist only on a Berth host (`berth images bootstrap` builds them). Elsewhere, name a',
    '# public image instead, e.g.:',
    `#   docker compose build ${args.map((a) => `--build-arg ${a.arg}=${PUBLIC_IMAGES[a.arg] ?? '<an image serving /srv/www on $PORT>'}`).join(' ')}`,
    '#   docker compose up',
  ];
  const lines = text.split('\n');
  // After the template's own opening comment.
  const at = lines.findIndex((l) => !l.startsWith('#'));
  lines.splice(at < 0 ? 0 : at, 0, ...note);
  return lines.join('\n');
}

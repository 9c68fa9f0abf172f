// For unit tests: one flat fake of the engine (only the methods a test reaches) passed as every
// part the domain sees separately (Deps.scheduler, images, streams, networks; domain/ports.ts).
export const engineParts = <T extends object>(fake: T) => ({ scheduler: fake, images: fake, streams: fake, networks: fake });

// The only door to the Docker Engine (through dockerode), split by noun: images (builds,
// tags), containers (run, inspect, remove), streams (events, output) and networks. One
// connection is shared; main.ts passes each part to the domain behind the interface the domain
// defines for it (src/domain/ports.ts).
import { connect } from './common.js';
import { DockerContainers } from './containers.js';
import { DockerImages } from './images.js';
import { DockerNetworks } from './networks.js';
import { DockerStreams } from './streams.js';
import { DockerVolumes } from './volumes.js';

export type * from './types.js';

export interface DockerEngine {
  images: DockerImages;
  containers: DockerContainers;
  streams: DockerStreams;
  networks: DockerNetworks;
}

export function dockerEngine(socketPath: string, opts: { buildCgroupPrefix?: string; warn?: (message: string) => void } = {}): DockerEngine {
  const docker = connect(socketPath);
  const networks = new DockerNetworks(docker);
  const streams = new DockerStreams(docker);
  const containers = new DockerContainers(docker, networks, streams, new DockerVolumes(docker));
  const images = new DockerImages(docker, { ...opts, removeContainer: (id) => containers.remove(id, 0) });
  return { images, containers, streams, networks };
}

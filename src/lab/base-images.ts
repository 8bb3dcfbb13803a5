import { execa } from 'execa';

/**
 * The base images of the Dockerfile: Docker Hub's by default, or the ones
 * scripts/build-base-images.sh builds for machines that cannot reach Docker Hub.
 */
export const BASE_IMAGES = {
  NODE_IMAGE: { hub: 'node:24-bookworm-slim', local: 'chatmsg/node:24-bookworm-slim' },
  DEBIAN_IMAGE: { hub: 'debian:bookworm-slim', local: 'chatmsg/debian:bookworm-slim' },
} as const;

export type BaseImageVariable = keyof typeof BASE_IMAGES;

export async function imageExists(image: string): Promise<boolean> {
  const result = await execa('docker', ['image', 'inspect', image], { reject: false, timeout: 20_000 });
  return result.exitCode === 0;
}

/**
 * Picks each base image: the environment variable if set, else Docker Hub's image when it is
 * already here, else the offline image when it was built, else Docker Hub's (the build pulls it).
 */
export async function resolveBaseImages(env: NodeJS.ProcessEnv): Promise<Record<BaseImageVariable, string>> {
  const pick = async (name: BaseImageVariable): Promise<string> => {
    const { hub, local } = BASE_IMAGES[name];
    const fromEnv = env[name];
    if (fromEnv) return fromEnv;
    if (await imageExists(hub)) return hub;
    if (await imageExists(local)) return local;
    return hub;
  };
  return { NODE_IMAGE: await pick('NODE_IMAGE'), DEBIAN_IMAGE: await pick('DEBIAN_IMAGE') };
}

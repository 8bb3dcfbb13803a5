import { describe, expect, it } from 'vitest';
import { BASE_IMAGES, imageExists, resolveBaseImages } from '../../src/lab/base-images.js';

describe('base image choice', () => {
  it('takes NODE_IMAGE and DEBIAN_IMAGE from the environment as they are', async () => {
    expect(await resolveBaseImages({ NODE_IMAGE: 'registry.example/node:24', DEBIAN_IMAGE: 'registry.example/debian:12' })).toEqual({
      NODE_IMAGE: 'registry.example/node:24',
      DEBIAN_IMAGE: 'registry.example/debian:12',
    });
  });

  it('prefers Docker Hub\'s image when here, else the offline one when built, else Docker Hub\'s (to pull)', async () => {
    const chosen = await resolveBaseImages({});
    for (const [name, { hub, local }] of Object.entries(BASE_IMAGES)) {
      const image = chosen[name as keyof typeof BASE_IMAGES];
      const hubHere = await imageExists(hub);
      const localHere = await imageExists(local);
      expect(image).toBe(hubHere ? hub : localHere ? local : hub);
    }
  });
});

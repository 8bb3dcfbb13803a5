/**
 * The lab's compose files as Compose sees them, read with the `yaml` package: anchors and `<<`
 * merge keys resolved, override files merged into the base file, and the build-related invariants
 * of issue 17 checked on the result. What each tool does with the files is in docs/LAB.md.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

/** What the invariants look at, per service, after merging. */
export interface ServiceModel {
  image?: string;
  /** The build target when the service has a `build` section. */
  build?: { target?: string };
  pullPolicy?: string;
  profiles: string[];
  dependsOn: string[];
  /** Has `networks` or `network_mode`: is not put on Compose's default network. */
  choosesNetwork: boolean;
}

export type ComposeModel = Record<string, ServiceModel>;

/** pull_policy values that both docker-compose 1.29 (its schema) and the Compose Specification accept. */
export const PULL_POLICIES_BOTH_ACCEPT = ['always', 'never', 'if_not_present', 'build'] as const;

const isMap = (value: Yaml | undefined): value is YamlMap => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Sequences an override file replaces instead of appending to (Compose Specification, "Merge"). */
const REPLACED_SEQUENCES = new Set(['command', 'entrypoint', 'test']);

/** Merges an override into a base the way the Compose Specification merges files. */
export function mergeYaml(base: Yaml | undefined, override: Yaml, key = ''): Yaml {
  if (isMap(base) && isMap(override)) {
    const merged: YamlMap = { ...base };
    for (const [name, value] of Object.entries(override)) merged[name] = mergeYaml(base[name], value, name);
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(override) && !REPLACED_SEQUENCES.has(key)) {
    return [...base, ...override.filter((item) => !base.some((known) => JSON.stringify(known) === JSON.stringify(item)))];
  }
  return override;
}

/** Reads the files (the first is the base) and merges them, YAML merge keys resolved. */
export async function readComposeFiles(dir: string, files: readonly string[]): Promise<YamlMap> {
  let merged: Yaml = {};
  for (const file of files) {
    const document = parse(await readFile(join(dir, file), 'utf8'), { merge: true }) as Yaml;
    if (!isMap(document)) throw new Error(`${file}: not a YAML mapping`);
    merged = mergeYaml(merged, document);
  }
  return merged as YamlMap;
}

const strings = (value: Yaml | undefined): string[] => (Array.isArray(value) ? value.map(String) : []);

/** The services of a merged file set, reduced to what the invariants need. */
export function composeModel(merged: YamlMap): ComposeModel {
  const services = merged['services'];
  if (!isMap(services)) throw new Error('no services');
  const model: ComposeModel = {};
  for (const [name, service] of Object.entries(services)) {
    if (!isMap(service)) throw new Error(`service ${name} is not a mapping`);
    const { image, build, pull_policy: pullPolicy, depends_on: dependsOn } = service;
    model[name] = {
      ...(typeof image === 'string' ? { image } : {}),
      ...(build === undefined ? {} : { build: isMap(build) && typeof build['target'] === 'string' ? { target: build['target'] } : {} }),
      ...(typeof pullPolicy === 'string' ? { pullPolicy } : {}),
      profiles: strings(service['profiles']),
      // depends_on is a list of names or a map of name -> condition.
      dependsOn: isMap(dependsOn) ? Object.keys(dependsOn) : strings(dependsOn),
      choosesNetwork: service['networks'] !== undefined || service['network_mode'] !== undefined,
    };
  }
  return model;
}

/**
 * What breaks the lab under Compose v1 or v2 in this file set (empty when nothing does), with
 * no profile active (what a plain `up` and `npm run compose` start):
 * - every service names its image, and every image is built by exactly one service of the set
 *   (v2 builds services concurrently: two build targets with one tag fail on a fresh machine);
 * - that service is not in a profile, has `pull_policy: build` (built, never pulled first);
 * - every other service of that image has `pull_policy: never` and depends on the building
 *   service (v1 builds in start order, so the builder must come first);
 * - every pull_policy is one both v1 1.29 and the Compose Specification accept;
 * - no service is on Compose's default network: Docker picks its address range, and can pick
 *   one that holds the lab's fixed subnet, which then fails with "Pool overlaps".
 */
export function composeInvariantProblems(model: ComposeModel): string[] {
  const problems: string[] = [];
  const builders = new Map<string, string[]>();
  for (const [name, service] of Object.entries(model)) {
    if (service.image === undefined) problems.push(`${name}: no image name (Compose would make one up per service)`);
    else if (service.build) builders.set(service.image, [...(builders.get(service.image) ?? []), name]);
    if (!service.choosesNetwork) problems.push(`${name}: on Compose's default network (its address range may overlap the lab's)`);
    if (service.pullPolicy !== undefined && !(PULL_POLICIES_BOTH_ACCEPT as readonly string[]).includes(service.pullPolicy)) {
      problems.push(`${name}: pull_policy ${service.pullPolicy} is not accepted by both docker-compose 1.29 and v2`);
    }
  }
  for (const [image, names] of builders) {
    if (names.length > 1) problems.push(`${image}: built by ${names.length} services (${names.join(', ')}), must be one`);
  }
  for (const [name, service] of Object.entries(model)) {
    if (service.image === undefined) continue;
    const builder = builders.get(service.image)?.[0];
    if (builder === undefined) {
      problems.push(`${name}: image ${service.image} is built by no service (it would be pulled)`);
    } else if (builder === name) {
      if (service.pullPolicy !== 'build') problems.push(`${name}: builds ${service.image} but its pull_policy is ${service.pullPolicy ?? 'unset'}, not build`);
      if (service.profiles.length > 0) problems.push(`${name}: builds ${service.image} but runs only with profile ${service.profiles.join(', ')}`);
    } else {
      if (service.pullPolicy !== 'never') problems.push(`${name}: uses ${service.image} (built by ${builder}) but its pull_policy is ${service.pullPolicy ?? 'unset'}, not never`);
      if (!service.dependsOn.includes(builder)) problems.push(`${name}: uses ${service.image} but does not depend on ${builder}, which builds it`);
    }
  }
  return problems;
}

/**
 * Loading a project as compose-go's loader does. Per file, in order: parse (every YAML document),
 * interpolate, apply `extends`, merge onto the files before it, drop duplicates, validate the
 * result against the compose-spec schema (the error names the file, the key path and its line),
 * rewrite short syntax into long. Then, once: the project's name, relative paths made absolute,
 * normalisation, the consistency checks (undefined services, networks, volumes), profiles, and
 * each service's environment (env_file, then environment).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { ComposeError } from '../errors.js';
import { canonical, normalize, toMappingWithEquals } from './canonical.js';
import { discoverProject, normalizeProjectName, type Discovered, type ProjectOptions } from './discover.js';
import { parseDotenv } from './dotenv.js';
import { interpolateTree, type Lookup } from './interpolate.js';
import {
  applyResets,
  deepClone,
  enforceUnicity,
  extendService,
  isMapping,
  mergeTrees,
  scalarText,
  takeResetPaths,
} from './merge.js';
import { checkCycle } from './graph.js';
import type { Dependency, NetworkConfig, PortConfig, Project, Service, ServiceNetwork } from './model.js';
import { validateSchema } from './schema.js';
import { splitShellWords } from './shellwords.js';
import { lineOf, parseYaml, type LineIndex } from './yaml.js';

type Tree = Record<string, unknown>;

export interface LoadOptions extends ProjectOptions {
  /** Services named on the command line: their profiles are enabled too. */
  services?: string[];
  /** Reads `-f -`. */
  readStdin?: () => string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

interface FileLines {
  file: string;
  lines: LineIndex;
}

function expandUser(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

function absPath(p: string, base: string): string {
  const e = expandUser(p);
  return isAbsolute(e) || e === '' ? e : join(base, e);
}

function isRemoteContext(v: string): boolean {
  return (
    v.includes('://') ||
    v.startsWith('service:') ||
    ['https://', 'http://', 'git://', 'ssh://', 'github.com/', 'git@'].some((p) => v.startsWith(p))
  );
}

/** paths.ResolveRelativePaths for one service (canonical form), against `base`. */
function resolveServicePaths(s: Tree, base: string): void {
  if (isMapping(s.build) && typeof s.build.context === 'string' && !isRemoteContext(s.build.context)) {
    s.build.context = absPath(s.build.context, base);
  }
  if (Array.isArray(s.env_file)) {
    for (const e of s.env_file)
      if (isMapping(e) && typeof e.path === 'string') e.path = absPath(e.path, base);
  }
  if (Array.isArray(s.label_file)) s.label_file = s.label_file.map((f) => absPath(String(f), base));
  if (isMapping(s.extends) && typeof s.extends.file === 'string')
    s.extends.file = absPath(s.extends.file, base);
  if (Array.isArray(s.volumes)) {
    for (const v of s.volumes) {
      if (!isMapping(v) || v.type !== 'bind') continue;
      if (typeof v.source !== 'string')
        throw new ComposeError('invalid mount config for type "bind": field Source must not be empty');
      v.source = absPath(v.source, base);
    }
  }
}

function resolvePaths(dict: Tree, base: string): void {
  for (const s of Object.values(isMapping(dict.services) ? dict.services : {}))
    if (isMapping(s)) resolveServicePaths(s, base);
  for (const v of Object.values(isMapping(dict.volumes) ? dict.volumes : {})) {
    if (!isMapping(v) || v.driver !== 'local' || !isMapping(v.driver_opts)) continue;
    const o = v.driver_opts;
    if (o.o === 'bind' && typeof o.device === 'string') o.device = absPath(o.device, base);
  }
}

class Loader {
  readonly warnings: string[] = [];
  private readonly unset = new Set<string>();
  readonly fileLines: FileLines[] = [];

  constructor(
    private readonly lookup: Lookup,
    private readonly readStdin: () => string,
  ) {}

  warnUnset = (name: string) => {
    if (this.unset.has(name)) return;
    this.unset.add(name);
    this.warnings.push(`The ${JSON.stringify(name)} variable is not set. Defaulting to a blank string.`);
  };

  read(file: string): string {
    if (file === '-') return this.readStdin();
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new ComposeError(
        `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`,
      );
    }
  }

  /** The documents of a file, interpolated, as mappings. */
  documents(file: string): { value: Tree; lines: LineIndex }[] {
    const docs = parseYaml(this.read(file), file);
    return docs
      .filter((d) => d.value !== null && d.value !== undefined)
      .map((d) => {
        if (!isMapping(d.value)) throw new ComposeError('top-level object must be a mapping');
        return {
          value: interpolateTree(d.value, this.lookup, { onUnset: this.warnUnset }) as Tree,
          lines: d.lines,
        };
      });
  }

  /** loader.ApplyExtends on one file's services. */
  applyExtends(cfg: Tree, file: string, resets: string[][]): void {
    const services = cfg.services;
    if (!isMapping(services)) return;
    for (const name of Object.keys(services)) this.extendOne(name, services, file, [], resets);
  }

  private extendOne(
    name: string,
    services: Tree,
    file: string,
    chain: string[],
    resets: string[][],
  ): unknown {
    const service = services[name];
    // Not a mapping: the schema check after the merge reports it, with its file and line.
    if (!isMapping(service)) return service;
    const ext = service.extends;
    if (ext === undefined) return service;
    let ref: string;
    let refFile: string | undefined;
    if (typeof ext === 'string') ref = ext;
    else if (isMapping(ext)) {
      if (typeof ext.service !== 'string') throw new ComposeError(`extends.${name}.service is required`);
      ref = ext.service;
      refFile =
        typeof ext.file === 'string'
          ? absPath(ext.file, file === '-' ? process.cwd() : dirname(file))
          : undefined;
    } else throw new ComposeError(`services.${name}.extends: invalid type`);

    let baseServices = services;
    let baseFile = file;
    if (refFile) {
      baseServices = this.servicesOf(refFile, name, ref, file);
      baseFile = refFile;
    } else if (!(ref in services)) {
      throw new ComposeError(
        `cannot extend service ${JSON.stringify(name)} in ${file}: service ${JSON.stringify(ref)} not found`,
      );
    }
    const key = `${file}\0${name}`;
    if (chain.includes(key)) {
      const [first, ...rest] = [...chain, key].map((k) => k.split('\0'));
      throw new ComposeError(
        [
          'Circular reference:',
          `  ${first![1]} in ${first![0]}`,
          ...rest.map(([f, s]) => `  extends ${s} in ${f}`),
        ].join('\n'),
      );
    }
    const base = this.extendOne(ref, baseServices, baseFile, [...chain, key], []);
    if (base === null || base === undefined) return service;
    const source = deepClone(base) as Tree;
    // `!reset`/`!override` of the extending service clear what it inherits.
    applyResets(
      { services: { [name]: source } },
      resets.filter((p) => p[0] === 'services' && p[1] === name),
    );
    const merged = extendService(source, service);
    delete merged.extends;
    services[name] = merged;
    return merged;
  }

  /** Services of another file named by `extends.file`, paths made absolute against its directory. */
  private servicesOf(refFile: string, name: string, ref: string, file: string): Tree {
    if (!existsSync(refFile)) throw new ComposeError(`open ${refFile}: no such file or directory`);
    let dict: Tree = {};
    for (const doc of this.documents(refFile)) {
      const resets = takeResetPaths(doc.value);
      this.applyExtends(doc.value, refFile, resets);
      applyResets(dict, resets);
      dict = enforceUnicity(mergeTrees(dict, doc.value)) as Tree;
      dict = canonical(dict, this.warnings);
    }
    const services = dict.services;
    if (services === undefined)
      throw new ComposeError(
        `cannot extend service ${JSON.stringify(name)} in ${refFile}: no services section`,
      );
    if (!isMapping(services))
      throw new ComposeError(
        `cannot extend service ${JSON.stringify(name)} in ${refFile}: services must be a mapping`,
      );
    if (!(ref in services)) {
      throw new ComposeError(
        `cannot extend service ${JSON.stringify(name)} in ${file}: service ${JSON.stringify(ref)} not found in ${refFile}`,
      );
    }
    for (const s of Object.values(services)) if (isMapping(s)) resolveServicePaths(s, dirname(refFile));
    return services;
  }

  schemaError(file: string, dict: Tree): ComposeError | undefined {
    const err = validateSchema(dict);
    if (!err) return undefined;
    let line: number | undefined;
    for (let i = this.fileLines.length - 1; i >= 0 && line === undefined; i--) {
      line = lineOf(this.fileLines[i]!.lines, err.path);
      if (line !== undefined) file = this.fileLines[i]!.file;
    }
    return new ComposeError(
      `validating ${file}: ${err.message}${line !== undefined ? ` (line ${line})` : ''}`,
    );
  }
}

function toInt(v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  return typeof v === 'number' ? v : Number(v);
}

function commandList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return splitShellWords(v);
  if (Array.isArray(v)) return v.map((x) => scalarText(x));
  return undefined;
}

function labelsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(toMappingWithEquals(v))) out[k] = x ?? '';
  return out;
}

/** WithServicesEnvironmentResolved: env_file entries in order, then `environment` over them. */
function serviceEnvironment(s: Tree, projectEnv: Record<string, string>): Record<string, string | null> {
  const declared = toMappingWithEquals(s.environment);
  const env = new Map<string, string>();
  for (const e of Array.isArray(s.env_file) ? s.env_file : []) {
    if (!isMapping(e) || typeof e.path !== 'string') continue;
    if (!existsSync(e.path)) {
      if (e.required !== false)
        throw new ComposeError(`env file ${e.path} not found: stat ${e.path}: no such file or directory`);
      continue;
    }
    let parsed: Map<string, string>;
    try {
      parsed = parseDotenv(
        readFileSync(e.path, 'utf8'),
        (k) => projectEnv[k] ?? declared[k] ?? env.get(k) ?? undefined,
      );
    } catch (err) {
      throw new ComposeError(`failed to read ${e.path}: ${(err as Error).message}`);
    }
    for (const [k, v] of parsed) env.set(k, v);
  }
  const out: Record<string, string | null> = Object.fromEntries(env);
  for (const [k, v] of Object.entries(declared)) out[k] = v;
  return out;
}

function serviceLabels(s: Tree): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of Array.isArray(s.label_file) ? s.label_file : []) {
    const path = String(f);
    if (!existsSync(path)) throw new ComposeError(`label file ${path} not found`);
    for (const [k, v] of parseDotenv(readFileSync(path, 'utf8'), (k) => out[k])) out[k] = v;
  }
  return { ...out, ...labelsOf(s.labels) };
}

function typedService(name: string, s: Tree, projectEnv: Record<string, string>): Service {
  const deploy = isMapping(s.deploy) ? s.deploy : {};
  const scale = s.scale !== undefined ? toInt(s.scale, 1) : toInt(deploy.replicas, 1);
  const networks: Record<string, ServiceNetwork> = {};
  for (const [k, n] of Object.entries(isMapping(s.networks) ? s.networks : {})) {
    const cfg = isMapping(n) ? n : {};
    networks[k] = {
      aliases: Array.isArray(cfg.aliases) ? cfg.aliases.map(String) : [],
      ...(typeof cfg.ipv4_address === 'string' ? { ipv4_address: cfg.ipv4_address } : {}),
      ...(typeof cfg.mac_address === 'string' ? { mac_address: cfg.mac_address } : {}),
    };
  }
  const dependsOn: Record<string, Dependency> = {};
  for (const [k, d] of Object.entries(isMapping(s.depends_on) ? s.depends_on : {})) {
    const cfg = isMapping(d) ? d : {};
    dependsOn[k] = {
      condition: (cfg.condition as Dependency['condition']) ?? 'service_started',
      required: cfg.required !== false,
      restart: cfg.restart === true,
    };
  }
  const pull =
    s.pull_policy === 'always' || s.pull_policy === 'never' || s.pull_policy === 'build'
      ? s.pull_policy
      : 'missing';
  const entrypoint = commandList(s.entrypoint);
  const command = commandList(s.command);
  return {
    name,
    raw: s,
    ...(typeof s.image === 'string' ? { image: s.image } : {}),
    ...(command ? { command } : {}),
    ...(entrypoint ? { entrypoint } : {}),
    environment: serviceEnvironment(s, projectEnv),
    labels: serviceLabels(s),
    ports: (Array.isArray(s.ports) ? s.ports : []).map((p) => {
      const m = p as Tree;
      return {
        target: toInt(m.target, 0),
        ...(m.published !== undefined && m.published !== null && m.published !== ''
          ? { published: scalarText(m.published) }
          : {}),
        ...(typeof m.host_ip === 'string' && m.host_ip ? { host_ip: m.host_ip } : {}),
        protocol: typeof m.protocol === 'string' ? m.protocol : 'tcp',
        mode: typeof m.mode === 'string' ? m.mode : 'ingress',
      } satisfies PortConfig;
    }),
    expose: (Array.isArray(s.expose) ? s.expose : []).map((e) => scalarText(e)),
    networks,
    ...(typeof s.network_mode === 'string' ? { networkMode: s.network_mode } : {}),
    dependsOn,
    profiles: Array.isArray(s.profiles) ? s.profiles.map(String) : [],
    ...(typeof s.container_name === 'string' ? { containerName: s.container_name } : {}),
    scale,
    pullPolicy: pull,
    attach: s.attach !== false,
  };
}

function hasProfile(s: Service, profiles: string[]): boolean {
  if (s.profiles.length === 0) return true;
  return profiles.some((p) => p === '*' || s.profiles.includes(p));
}

/** checkConsistency, for the enabled services. */
function checkConsistency(p: Project): void {
  const exists = (svc: string) => svc in p.services;
  for (const s of Object.values(p.services)) {
    const raw = s.raw;
    if (raw.build === undefined && !s.image && raw.provider === undefined) {
      throw new ComposeError(
        `service ${JSON.stringify(s.name)} has neither an image nor a build context specified: invalid compose project`,
      );
    }
    if (
      s.networkMode !== undefined &&
      raw.networks !== undefined &&
      Object.keys(s.networks).length > 0 &&
      isMapping(raw.networks)
    ) {
      throw new ComposeError(
        `service ${s.name} declares mutually exclusive \`network_mode\` and \`networks\`: invalid compose project`,
      );
    }
    for (const n of Object.keys(s.networks)) {
      if (!(n in p.networks))
        throw new ComposeError(
          `service ${JSON.stringify(s.name)} refers to undefined network ${n}: invalid compose project`,
        );
    }
    if (
      isMapping(raw.healthcheck) &&
      Array.isArray(raw.healthcheck.test) &&
      raw.healthcheck.test.length > 0
    ) {
      if (!['CMD', 'CMD-SHELL', 'NONE'].includes(String(raw.healthcheck.test[0])))
        throw new ComposeError('healthcheck.test must start either by "CMD", "CMD-SHELL" or "NONE"');
    }
    for (const [dep, cfg] of Object.entries(s.dependsOn)) {
      if (!exists(dep)) {
        if (dep in p.disabledServices && !cfg.required) continue;
        throw new ComposeError(
          `service ${JSON.stringify(s.name)} depends on undefined service ${JSON.stringify(dep)}: invalid compose project`,
        );
      }
    }
    if (s.networkMode?.startsWith('service:')) {
      const target = s.networkMode.slice('service:'.length);
      if (!exists(target))
        throw new ComposeError(
          `service ${JSON.stringify(target)} not found for network_mode 'service:${target}'`,
        );
    }
    const volumes = isMapping(p.model.volumes) ? p.model.volumes : {};
    for (const v of Array.isArray(raw.volumes) ? raw.volumes : []) {
      if (
        isMapping(v) &&
        v.type === 'volume' &&
        typeof v.source === 'string' &&
        v.source !== '' &&
        !(v.source in volumes)
      ) {
        throw new ComposeError(
          `service ${JSON.stringify(s.name)} refers to undefined volume ${v.source}: invalid compose project`,
        );
      }
    }
    const deploy = isMapping(raw.deploy) ? raw.deploy : undefined;
    if (raw.scale !== undefined && deploy?.replicas !== undefined && raw.scale !== deploy.replicas) {
      throw new ComposeError(
        `services.${s.name}: can't set distinct values on 'scale' and 'deploy.replicas': invalid compose project`,
      );
    }
    if (s.scale < 0) throw new ComposeError(`services.${s.name}.scale: must be greater than or equal to 0`);
  }
}

/** Loads the project the options describe (see the top of this file). */
export function loadProject(opts: LoadOptions): Project {
  const found: Discovered = discoverProject(opts, opts.env ?? process.env, opts.cwd ?? process.cwd());
  const env = found.environment;
  const loader = new Loader((k) => env[k], opts.readStdin ?? (() => readFileSync(0, 'utf8')));
  loader.warnings.push(...found.warnings);

  let dict: Tree = {};
  for (const file of found.files) {
    const shown = file === '-' ? '-' : file;
    for (const doc of loader.documents(file)) {
      const cfg = doc.value;
      const resets = takeResetPaths(cfg);
      loader.applyExtends(cfg, file, resets);
      applyResets(dict, resets);
      dict = enforceUnicity(mergeTrees(dict, cfg)) as Tree;
      loader.fileLines.push({ file: shown, lines: doc.lines });
      const invalid = loader.schemaError(shown, dict);
      if (invalid) throw invalid;
      if ('version' in dict) {
        loader.warnings.push(
          `${shown}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
        );
        delete dict.version;
      }
      dict = enforceUnicity(canonical(dict, loader.warnings)) as Tree;
    }
  }
  if (Object.keys(dict).length === 0) throw new ComposeError('empty compose file');

  let name = found.explicitName;
  if (name === undefined) {
    const fromFile = typeof dict.name === 'string' ? normalizeProjectName(dict.name) : '';
    name = fromFile !== '' ? fromFile : found.defaultName;
  }
  if (!name) throw new ComposeError('project name must not be empty');

  resolvePaths(dict, found.workingDir);
  normalize(dict, name, env);

  const all: Record<string, Service> = {};
  for (const [svc, s] of Object.entries(isMapping(dict.services) ? dict.services : {})) {
    all[svc] = typedService(svc, isMapping(s) ? s : {}, env);
  }
  // Services named on the command line bring their profiles along (WithServicesEnabled).
  const profiles = [...found.profiles];
  for (const svc of opts.services ?? []) {
    const s = all[svc];
    if (s && !hasProfile(s, profiles)) profiles.push(...s.profiles);
  }
  const services: Record<string, Service> = {};
  const disabled: Record<string, Service> = {};
  for (const [svc, s] of Object.entries(all)) (hasProfile(s, profiles) ? services : disabled)[svc] = s;

  const networks: Record<string, NetworkConfig> = {};
  for (const [key, n] of Object.entries(isMapping(dict.networks) ? dict.networks : {})) {
    const raw = isMapping(n) ? n : {};
    networks[key] = { key, name: String(raw.name), external: raw.external === true, raw };
  }

  const project: Project = {
    name,
    workingDir: found.workingDir,
    configFiles: found.files,
    environment: env,
    envFiles: found.envFiles,
    services,
    disabledServices: disabled,
    networks,
    profiles,
    model: dict,
    warnings: loader.warnings,
  };
  checkConsistency(project);
  // A cycle is found before anything is created for the project (a network would be, otherwise).
  checkCycle(project);
  return project;
}

/** Every profile any service of the files names (`config --profiles`). */
export function allProfiles(p: Project): string[] {
  const set = new Set<string>();
  for (const s of [...Object.values(p.services), ...Object.values(p.disabledServices)])
    for (const x of s.profiles) set.add(x);
  return [...set].sort();
}

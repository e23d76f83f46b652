/**
 * Which files make a project, where it lives and what it is called, as docker compose decides
 * (compose-go's cli/options.go): `-f` (several, `-` for stdin) or COMPOSE_FILE, else compose.yaml
 * and friends in the working directory or the nearest parent that has one, plus its override
 * file; the project directory (`--project-directory`, else the first file's directory); the
 * environment for interpolation (process environment over `--env-file`/`.env`); the name (`-p`,
 * COMPOSE_PROJECT_NAME, `name:`, the directory's name normalised).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ComposeError } from '../errors.js';
import { readEnvFiles } from './dotenv.js';

export const DEFAULT_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yml',
  'docker-compose.yaml',
];
export const DEFAULT_OVERRIDE_NAMES = [
  'compose.override.yml',
  'compose.override.yaml',
  'docker-compose.override.yml',
  'docker-compose.override.yaml',
];

/** The project options every compose command takes (they come before the subcommand). */
export interface ProjectOptions {
  files: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles: string[];
  profiles: string[];
}

export interface Discovered {
  /** Absolute paths, `-` for stdin. */
  files: string[];
  workingDir: string;
  /** Interpolation environment: the process's, then what the env files add. */
  environment: Record<string, string>;
  envFiles: string[];
  /** Set by -p or COMPOSE_PROJECT_NAME: it wins over `name:` in the files. */
  explicitName?: string;
  /** The directory's name, normalised: used when no file sets `name:`. */
  defaultName: string;
  profiles: string[];
  warnings: string[];
}

/** loader.NormalizeProjectName: lower case, only [a-z0-9_-], no leading `_` or `-`. */
export function normalizeProjectName(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export function invalidProjectName(name: string): ComposeError {
  return new ComposeError(
    `invalid project name ${JSON.stringify(name)}: must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`,
  );
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function found(names: string[], dir: string): string[] {
  return names.map((n) => join(dir, n)).filter((f) => existsSync(f));
}

/** compose.yaml (or another default name) in `start` or the nearest parent, with its override. */
export function findDefaultFiles(start: string, warnings: string[]): string[] {
  for (let dir = start; ;) {
    const candidates = found(DEFAULT_FILE_NAMES, dir);
    if (candidates.length > 0) {
      if (candidates.length > 1) {
        warnings.push(`Found multiple config files with supported names: ${candidates.join(', ')}`);
        warnings.push(`Using ${candidates[0]}`);
      }
      const out = [candidates[0]!];
      const overrides = found(DEFAULT_OVERRIDE_NAMES, dir);
      if (overrides.length > 0) {
        if (overrides.length > 1) {
          warnings.push(`Found multiple override files with supported names: ${overrides.join(', ')}`);
          warnings.push(`Using ${overrides[0]}`);
        }
        out.push(overrides[0]!);
      }
      return out;
    }
    const parent = dirname(dir);
    if (parent === dir) return [];
    dir = parent;
  }
}

function splitList(v: string | undefined, sep: string): string[] {
  return (v ?? '')
    .split(sep)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function discoverProject(
  opts: ProjectOptions,
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): Discovered {
  const warnings: string[] = [];
  const processEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) processEnv[k] = v;

  if (opts.projectName !== undefined && opts.projectName !== normalizeProjectName(opts.projectName))
    throw invalidProjectName(opts.projectName);

  const projectDirectory = opts.projectDirectory ? resolve(cwd, opts.projectDirectory) : undefined;
  const workingDirFor = (files: string[]) => {
    if (projectDirectory) return projectDirectory;
    const first = files.find((f) => f !== '-');
    return first ? dirname(resolve(cwd, first)) : cwd;
  };

  // .env is read from the project directory known so far (--project-directory or cwd) first: it
  // may set COMPOSE_FILE, COMPOSE_PROFILES or COMPOSE_PROJECT_NAME.
  const envFilesFor = (dir: string): string[] => {
    if (opts.envFiles.length > 0) return opts.envFiles.map((f) => resolve(cwd, f));
    const fromEnv = splitList(processEnv.COMPOSE_ENV_FILES, ',');
    if (fromEnv.length > 0) return fromEnv.map((f) => resolve(cwd, f));
    const disabled = processEnv.COMPOSE_DISABLE_ENV_FILE;
    if (disabled && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(disabled)) return [];
    const dotenv = join(dir, '.env');
    return isFile(dotenv) ? [dotenv] : [];
  };
  const withEnvFiles = (files: string[]) => {
    const merged: Record<string, string> = { ...processEnv };
    for (const [k, v] of readEnvFiles(files, processEnv)) if (!(k in merged)) merged[k] = v;
    return merged;
  };

  let envFiles = envFilesFor(projectDirectory ?? cwd);
  let environment = withEnvFiles(envFiles);

  let files: string[];
  if (opts.files.length > 0) {
    files = opts.files.map((f) => (f === '-' ? f : resolve(cwd, f)));
  } else if (environment.COMPOSE_FILE) {
    const sep = environment.COMPOSE_PATH_SEPARATOR || ':';
    files = splitList(environment.COMPOSE_FILE, sep).map((f) => resolve(cwd, f));
  } else {
    files = findDefaultFiles(projectDirectory ?? cwd, warnings);
    if (files.length === 0) throw new ComposeError('no configuration file provided: not found');
  }
  for (const f of files) {
    if (f !== '-' && !existsSync(f)) {
      throw new ComposeError(`open ${f}: no such file or directory`);
    }
  }

  const workingDir = workingDirFor(files);
  // With the project directory now known (a file's directory), its .env applies.
  if (opts.envFiles.length === 0 && workingDir !== (projectDirectory ?? cwd)) {
    envFiles = envFilesFor(workingDir);
    environment = withEnvFiles(envFiles);
  }

  let explicitName = opts.projectName;
  if (explicitName === undefined && environment.COMPOSE_PROJECT_NAME) {
    explicitName = environment.COMPOSE_PROJECT_NAME;
    if (explicitName !== normalizeProjectName(explicitName)) throw invalidProjectName(explicitName);
  }
  const defaultName = normalizeProjectName(basename(workingDir));
  try {
    if (explicitName === undefined && basename(realpathSync(workingDir)) !== basename(workingDir)) {
      warnings.push(
        `project has been loaded without an explicit name from a symlink. Using name ${JSON.stringify(defaultName)}`,
      );
    }
  } catch {
    /* a directory that vanished: the name stays */
  }

  const profiles = opts.profiles.length > 0 ? opts.profiles : splitList(environment.COMPOSE_PROFILES, ',');

  return {
    files,
    workingDir,
    environment,
    envFiles,
    ...(explicitName !== undefined ? { explicitName } : {}),
    defaultName,
    profiles,
    warnings,
  };
}

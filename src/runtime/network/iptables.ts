/**
 * tsdock's iptables rules. Everything lives in three chains of our own per instance (nat DNAT,
 * nat POSTROUTING, filter FORWARD), each jumped to once from the built-in chain, so `iptables-save`
 * shows them grouped and removal is exact. Rules are written in iptables-save's canonical form so a
 * rule can be recognised in a dump, and always applied through one `iptables-restore --noflush`.
 * A chain is only ever declared when it does not exist: `--noflush` still flushes a declared chain.
 */
import { exec, firstLine } from './exec.js';
import { SystemError } from '../errors.js';
import type { PublishedPort } from './ports.js';

export interface Chains {
  nat: string;
  post: string;
  fwd: string;
}

/** The default instance (bridge tsdock0) gets plain names; a test run's own bridge gets its own chains. */
export function chainsFor(instance: string): Chains {
  const p = instance === 'tsdock0' ? 'TSDOCK' : `TSDOCK-${instance}`;
  return { nat: `${p}-NAT`, post: `${p}-POST`, fwd: `${p}-FWD` };
}

export interface Rule {
  table: 'nat' | 'filter';
  /** Canonical text after `-A ` (chain first). */
  spec: string;
}

/** The jumps into our chains from the built-in ones. */
export function jumpRules(c: Chains): Rule[] {
  return [
    { table: 'nat', spec: `PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j ${c.nat}` },
    { table: 'nat', spec: `OUTPUT -m addrtype --dst-type LOCAL -j ${c.nat}` },
    { table: 'nat', spec: `POSTROUTING -j ${c.post}` },
    { table: 'filter', spec: `FORWARD -j ${c.fwd}` },
  ];
}

export interface NetRuleInput {
  bridge: string;
  subnet: string;
  internal: boolean;
}

/** A bridge network's rules: outbound NAT, hairpin and localhost NAT, and FORWARD accepts. */
export function networkRules(c: Chains, n: NetRuleInput): Rule[] {
  const tag = `-m comment --comment "tsdock:net:${n.bridge}"`;
  const nat = (spec: string): Rule => ({ table: 'nat', spec: `${c.post} ${spec}` });
  const fwd = (spec: string): Rule => ({ table: 'filter', spec: `${c.fwd} ${spec}` });
  if (n.internal) {
    return [
      fwd(`-i ${n.bridge} ! -o ${n.bridge} ${tag} -j DROP`),
      fwd(`! -i ${n.bridge} -o ${n.bridge} ${tag} -j DROP`),
      fwd(`-i ${n.bridge} -o ${n.bridge} ${tag} -j ACCEPT`),
    ];
  }
  return [
    nat(`-s ${n.subnet} ! -o ${n.bridge} ${tag} -j MASQUERADE`),
    // A container reaching a published port of its own network through the host (hairpin).
    nat(`-s ${n.subnet} -o ${n.bridge} -m conntrack --ctstate DNAT ${tag} -j MASQUERADE`),
    // 127.0.0.1:port DNAT'd onto the bridge (route_localnet): the container must answer the gateway.
    nat(`-s 127.0.0.0/8 -o ${n.bridge} ${tag} -j MASQUERADE`),
    fwd(`-o ${n.bridge} -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT`),
    fwd(`-o ${n.bridge} -m conntrack --ctstate DNAT ${tag} -j ACCEPT`),
    fwd(`-i ${n.bridge} ${tag} -j ACCEPT`),
  ];
}

/** One DNAT rule per published IPv4 port. */
export function portRules(c: Chains, id: string, ip: string, ports: PublishedPort[]): Rule[] {
  const tag = `-m comment --comment "tsdock:${id.slice(0, 12)}"`;
  return ports
    .filter((p) => !p.hostIp.includes(':'))
    .map((p) => {
      const dst = p.hostIp && p.hostIp !== '0.0.0.0' ? `-d ${p.hostIp}/32 ` : '';
      return {
        table: 'nat' as const,
        spec:
          `${c.nat} ${dst}-p ${p.proto} -m ${p.proto} --dport ${p.hostPort} ${tag} ` +
          `-j DNAT --to-destination ${ip}:${p.containerPort}`,
      };
    });
}

/** iptables-restore input appending (`-A`), inserting first (`-I`) or deleting (`-D`) rules. */
export function restoreText(
  rules: Rule[],
  op: '-A' | '-D' | '-I',
  declare: { table: string; chain: string }[] = [],
): string {
  let out = '';
  for (const table of ['nat', 'filter'] as const) {
    const mine = rules.filter((r) => r.table === table);
    const chains = declare.filter((d) => d.table === table);
    if (mine.length === 0 && chains.length === 0) continue;
    out += `*${table}\n`;
    for (const d of chains) out += `:${d.chain} - [0:0]\n`;
    for (const r of mine) {
      // Jumps into our chains go first in FORWARD: dockerd's DROP policy and isolation chains follow it.
      const verb = op === '-A' && r.spec.startsWith('FORWARD ') ? '-I' : op;
      out += verb === '-I' ? `-I ${r.spec.replace(/^(\S+)/, '$1 1')}\n` : `${verb} ${r.spec}\n`;
    }
    out += 'COMMIT\n';
  }
  return out;
}

export async function iptablesRestore(text: string): Promise<void> {
  if (!text) return;
  const r = await exec('iptables-restore', ['--noflush', '--wait'], text);
  if (r.code !== 0) throw new SystemError(`iptables-restore failed: ${firstLine(r)}`);
}

/** Deletes rules, tolerating ones already gone (a restore is all-or-nothing, so fall back per rule). */
export async function deleteRules(rules: Rule[]): Promise<void> {
  if (rules.length === 0) return;
  try {
    await iptablesRestore(restoreText(rules, '-D'));
  } catch {
    for (const r of rules) {
      await exec('iptables', ['--wait', '-t', r.table, '-D', ...splitSpec(r.spec)]);
    }
  }
}

/** Shell-like split of a canonical rule (only the comment is quoted). */
export function splitSpec(spec: string): string[] {
  return [...spec.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

export async function iptablesSave(): Promise<string> {
  const r = await exec('iptables-save', []);
  if (r.code !== 0) throw new SystemError(`iptables-save failed: ${firstLine(r)}`);
  return r.stdout;
}

/** The `-A …` lines of a dump, per table, for presence checks. */
export function savedRules(dump: string): { rules: Set<string>; chains: Set<string> } {
  const rules = new Set<string>();
  const chains = new Set<string>();
  let table = '';
  for (const line of dump.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    else if (line.startsWith(':')) chains.add(`${table} ${line.slice(1).split(' ')[0]}`);
    else if (line.startsWith('-A ')) rules.add(`${table} ${line.slice(3)}`);
  }
  return { rules, chains };
}

/** Adds what is missing of our chains, their jumps and the given rules (one restore). */
export async function ensureRules(c: Chains, rules: Rule[]): Promise<void> {
  const saved = savedRules(await iptablesSave());
  const declare = [
    { table: 'nat', chain: c.nat },
    { table: 'nat', chain: c.post },
    { table: 'filter', chain: c.fwd },
  ].filter((d) => !saved.chains.has(`${d.table} ${d.chain}`));
  const missing = [...jumpRules(c), ...rules].filter((r) => !saved.rules.has(`${r.table} ${r.spec}`));
  await iptablesRestore(restoreText(missing, '-A', declare));
}

/** Removes our chains and their jumps entirely (the instance is being reset). */
export async function removeChains(c: Chains): Promise<void> {
  const saved = savedRules(await iptablesSave());
  const jumps = jumpRules(c).filter((r) => saved.rules.has(`${r.table} ${r.spec}`));
  await deleteRules(jumps);
  for (const [table, chain] of [
    ['nat', c.nat],
    ['nat', c.post],
    ['filter', c.fwd],
  ] as const) {
    if (!saved.chains.has(`${table} ${chain}`)) continue;
    await exec('iptables', ['--wait', '-t', table, '-F', chain]);
    await exec('iptables', ['--wait', '-t', table, '-X', chain]);
  }
}

/**
 * tsdock's iptables rules. Everything lives in chains of our own per instance, each jumped to once
 * from a built-in chain, so `iptables-save` shows them grouped and removal is exact. Rules are
 * written in iptables-save's canonical form so a rule can be recognised in a dump, and always
 * applied through one `iptables-restore --noflush`. A chain is only ever declared when it does not
 * exist: `--noflush` still flushes a declared chain.
 *
 * Forwarding, as Docker's two-stage isolation has it (docs/security.md has the whole picture):
 * FORWARD jumps first to FWD, which first sends traffic leaving one tsdock bridge through ISO1 →
 * ISO2, where it is dropped if it enters any other tsdock bridge; an internal network is cut off
 * both ways there too. What is left touches one bridge only, so each bridge's block in FWD can
 * decide alone: replies and published (DNAT'd) ports in, its own members to each other, everything
 * else in dropped; out through OUT, which accepts except into Docker's bridges, left to Docker's
 * rules. Traffic that touches no tsdock bridge passes through untouched: FORWARD's policy and
 * everything else the host forwards stay as they were.
 * The raw table's RAW chain drops packets from a bridge to or from 127.0.0.0/8: the bridges need
 * route_localnet for ports published on 127.0.0.1, and without the guard a container could reach
 * services bound to the host's loopback (the pattern of CVE-2020-8558).
 */
import { exec, firstLine } from './exec.js';
import { SystemError } from '../errors.js';
import type { PublishedPort } from './ports.js';

export interface Chains {
  nat: string;
  post: string;
  fwd: string;
  iso1: string;
  iso2: string;
  out: string;
  raw: string;
}

/** The default instance (bridge tsdock0) gets plain names; a test run's own bridge gets its own chains. */
export function chainsFor(instance: string): Chains {
  const p = instance === 'tsdock0' ? 'TSDOCK' : `TSDOCK-${instance}`;
  return {
    nat: `${p}-NAT`,
    post: `${p}-POST`,
    fwd: `${p}-FWD`,
    iso1: `${p}-ISO1`,
    iso2: `${p}-ISO2`,
    out: `${p}-OUT`,
    raw: `${p}-RAW`,
  };
}

type Table = 'nat' | 'filter' | 'raw';

/** Every chain of an instance, with its table (jump targets after the chains that jump to them). */
export function chainList(c: Chains): { table: Table; chain: string }[] {
  return [
    { table: 'nat', chain: c.nat },
    { table: 'nat', chain: c.post },
    { table: 'filter', chain: c.fwd },
    { table: 'filter', chain: c.iso1 },
    { table: 'filter', chain: c.iso2 },
    { table: 'filter', chain: c.out },
    { table: 'raw', chain: c.raw },
  ];
}

export interface Rule {
  table: Table;
  /** Canonical text after `-A ` (chain first). */
  spec: string;
  /** Inserted at the head of its chain rather than appended. */
  first?: boolean;
}

/** The jumps into our chains from the built-in ones; FORWARD's and raw's come first in theirs. */
export function jumpRules(c: Chains): Rule[] {
  return [
    { table: 'nat', spec: `PREROUTING ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j ${c.nat}` },
    { table: 'nat', spec: `OUTPUT -m addrtype --dst-type LOCAL -j ${c.nat}` },
    { table: 'nat', spec: `POSTROUTING -j ${c.post}` },
    // Before dockerd's DOCKER-USER, isolation chains and DROP policy: ours decide for our bridges.
    { table: 'filter', spec: `FORWARD -j ${c.fwd}`, first: true },
    { table: 'raw', spec: `PREROUTING -j ${c.raw}`, first: true },
  ];
}

/** The fixed part of the layout: isolation before anything else in FWD; the outbound policy. */
export function layoutRules(c: Chains): Rule[] {
  const f = (spec: string, first = false): Rule => ({ table: 'filter', spec, ...(first ? { first } : {}) });
  return [
    f(`${c.fwd} -j ${c.iso1}`, true),
    // Docker's bridges: whether our containers may enter them is Docker's rules' decision.
    f(`${c.out} -o docker0 -j RETURN`),
    f(`${c.out} -o br-+ -j RETURN`),
    f(`${c.out} -j ACCEPT`),
  ];
}

export interface NetRuleInput {
  bridge: string;
  subnet: string;
  internal: boolean;
}

const tagOf = (bridge: string) => `-m comment --comment "tsdock:net:${bridge}"`;

/**
 * A bridge network's rules: outbound NAT, hairpin and localhost NAT; its isolation; the loopback
 * guard; and its block in FWD, in order (see the top of this file).
 */
export function networkRules(c: Chains, n: NetRuleInput): Rule[] {
  const br = n.bridge;
  const tag = tagOf(br);
  const nat = (spec: string): Rule => ({ table: 'nat', spec: `${c.post} ${spec}` });
  const filter = (chain: string, spec: string): Rule => ({ table: 'filter', spec: `${chain} ${spec}` });
  const guard: Rule[] = [
    { table: 'raw', spec: `${c.raw} -d 127.0.0.0/8 -i ${br} ${tag} -j DROP` },
    { table: 'raw', spec: `${c.raw} -s 127.0.0.0/8 -i ${br} ${tag} -j DROP` },
  ];
  if (n.internal) {
    return [
      ...guard,
      filter(c.iso1, `-i ${br} ! -o ${br} ${tag} -j DROP`),
      filter(c.iso1, `! -i ${br} -o ${br} ${tag} -j DROP`),
      filter(c.iso2, `-o ${br} ${tag} -j DROP`),
      filter(c.fwd, `-i ${br} -o ${br} ${tag} -j ACCEPT`),
    ];
  }
  return [
    nat(`-s ${n.subnet} ! -o ${br} ${tag} -j MASQUERADE`),
    // A container reaching a published port of its own network through the host (hairpin).
    nat(`-s ${n.subnet} -o ${br} -m conntrack --ctstate DNAT ${tag} -j MASQUERADE`),
    // 127.0.0.1:port DNAT'd onto the bridge (route_localnet): the container must answer the gateway.
    nat(`-s 127.0.0.0/8 -o ${br} ${tag} -j MASQUERADE`),
    ...guard,
    filter(c.iso1, `-i ${br} ! -o ${br} ${tag} -j ${c.iso2}`),
    filter(c.iso2, `-o ${br} ${tag} -j DROP`),
    filter(c.fwd, `-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED ${tag} -j ACCEPT`),
    // Published ports: our DNAT rules are the only way a new connection enters the bridge.
    filter(c.fwd, `-o ${br} -m conntrack --ctstate DNAT ${tag} -j ACCEPT`),
    filter(c.fwd, `-i ${br} -o ${br} ${tag} -j ACCEPT`),
    filter(c.fwd, `-o ${br} ${tag} -j DROP`),
    filter(c.fwd, `-i ${br} ${tag} -j ${c.out}`),
  ];
}

/** What earlier versions put in FWD for a network and the current layout no longer has. */
export function obsoleteNetworkRules(c: Chains, n: NetRuleInput): Rule[] {
  const br = n.bridge;
  const tag = tagOf(br);
  const fwd = (spec: string): Rule => ({ table: 'filter', spec: `${c.fwd} ${spec}` });
  return n.internal
    ? [fwd(`-i ${br} ! -o ${br} ${tag} -j DROP`), fwd(`! -i ${br} -o ${br} ${tag} -j DROP`)]
    : [fwd(`-i ${br} ${tag} -j ACCEPT`)];
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

/** A Service's backend on one of its ports: a pod's address and the port it serves on. */
export interface ServiceBackend {
  ip: string;
  port: number;
}

const svcTag = (name: string) => `-m comment --comment "tsdock:svc:${name}"`;

/**
 * A Service port's own nat chain (kube-proxy's KUBE-SVC-*), named after the instance so a run's
 * leftovers are found by its prefix; iptables allows 28 characters, the hash takes what is left.
 */
export function serviceChain(c: Chains, key: string): string {
  const prefix = `${c.nat.slice(0, -'-NAT'.length)}-S`;
  return `${prefix}${key.slice(0, Math.max(4, 28 - prefix.length))}`;
}

/** The jump from our NAT chain into a Service port's chain: where -p's DNAT rule would be. */
export function serviceJump(c: Chains, name: string, port: PublishedPort, chain: string): Rule {
  return {
    table: 'nat',
    spec: `${c.nat} -p ${port.proto} -m ${port.proto} --dport ${port.hostPort} ${svcTag(name)} -j ${chain}`,
  };
}

/**
 * A Service port's chain as kube-proxy's iptables mode writes it: backend i of n is taken with
 * probability 1/(n-i) of what reached its rule, the last unconditionally, so each gets 1/n of the
 * new connections (conntrack keeps a connection on the backend its first packet chose). With no
 * backend the chain is empty and the connection meets the host's closed port.
 */
export function serviceRules(chain: string, name: string, proto: string, backends: ServiceBackend[]): Rule[] {
  const n = backends.length;
  return backends.map((b, i) => {
    // kube-proxy's %0.10f. The kernel keeps it in 2^-31 steps, so a dump shows other last digits:
    // the chain is always rewritten whole, never looked up rule by rule.
    const stat = i < n - 1 ? `-m statistic --mode random --probability ${(1 / (n - i)).toFixed(10)} ` : '';
    return {
      table: 'nat' as const,
      // DNAT to a port needs the protocol named in the rule.
      spec: `${chain} -p ${proto} ${svcTag(name)} ${stat}-j DNAT --to-destination ${b.ip}:${b.port}`,
    };
  });
}

/** Empties and deletes chains no rule jumps to any longer (tolerating ones already gone). */
export async function dropChains(chains: { table: string; chain: string }[]): Promise<void> {
  // Flushed first, all of them: a chain still jumped to from another cannot be deleted.
  for (const { table, chain } of chains) await exec('iptables', ['--wait', '-t', table, '-F', chain]);
  for (const { table, chain } of chains) await exec('iptables', ['--wait', '-t', table, '-X', chain]);
}

/** One rule as an iptables-restore line: appended (`-A`, or `-I CHAIN 1` for one marked first) or deleted. */
export function ruleLine(r: Rule, op: '-A' | '-D'): string {
  return op === '-A' && r.first ? `-I ${r.spec.replace(/^(\S+)/, '$1 1')}` : `${op} ${r.spec}`;
}

/** iptables-restore input appending (`-A`, or `-I … 1` for a rule marked first) or deleting (`-D`). */
export function restoreText(
  rules: Rule[],
  op: '-A' | '-D',
  declare: { table: string; chain: string }[] = [],
): string {
  let out = '';
  for (const table of ['raw', 'nat', 'filter'] as const) {
    const mine = rules.filter((r) => r.table === table);
    const chains = declare.filter((d) => d.table === table);
    if (mine.length === 0 && chains.length === 0) continue;
    out += `*${table}\n`;
    for (const d of chains) out += `:${d.chain} - [0:0]\n`;
    for (const r of mine) out += `${ruleLine(r, op)}\n`;
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

/**
 * Adds what is missing of our chains, their jumps, the fixed layout and the given rules, in one
 * restore. Rules of FWD are order-sensitive: a chain's rules given are re-added together if any of
 * them is missing, so a partial set is never completed out of order. `obsolete` rules (an earlier
 * layout's) are deleted where present.
 */
export async function ensureRules(c: Chains, rules: Rule[], obsolete: Rule[] = []): Promise<void> {
  const saved = savedRules(await iptablesSave());
  const has = (r: Rule) => saved.rules.has(`${r.table} ${r.spec}`);
  const declare = chainList(c).filter((d) => !saved.chains.has(`${d.table} ${d.chain}`));
  const fwd = rules.filter((r) => r.table === 'filter' && r.spec.startsWith(`${c.fwd} `));
  const redoFwd = fwd.some((r) => !has(r));
  const stale = [...obsolete.filter(has), ...(redoFwd ? fwd.filter(has) : [])];
  const missing = [...jumpRules(c), ...layoutRules(c), ...rules].filter(
    (r) => !has(r) || (redoFwd && fwd.includes(r)),
  );
  if (stale.length) await iptablesRestore(restoreText(stale, '-D'));
  await iptablesRestore(restoreText(missing, '-A', declare));
}

/** Removes our chains and their jumps entirely (the instance is being reset). */
export async function removeChains(c: Chains): Promise<void> {
  const saved = savedRules(await iptablesSave());
  const jumps = jumpRules(c).filter((r) => saved.rules.has(`${r.table} ${r.spec}`));
  await deleteRules(jumps);
  // A Service's chains are jumped to from the NAT chain, so they go with the instance's own.
  const svc = `${serviceChain(c, '')}`;
  const services = [...saved.chains]
    .filter((k) => k.startsWith(`nat ${svc}`))
    .map((k) => ({ table: 'nat', chain: k.slice(4) }));
  const present = chainList(c).filter((d) => saved.chains.has(`${d.table} ${d.chain}`));
  await dropChains([...present, ...services]);
}

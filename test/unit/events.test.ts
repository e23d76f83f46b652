import { expect } from 'chai';
import {
  formatEventLine,
  formatEventTime,
  matchesFilters,
  parseEventFilters,
  toMessage,
} from '../../src/runtime/events/message.js';
import { goJson } from '../../src/runtime/format/gofmt.js';
import { compileTemplate } from '../../src/runtime/format/template.js';

const ID = 'c'.repeat(64);
const info = { name: 'web', image: 'busybox', labels: { app: 'x' } };
const at = new Date('2026-11-29T05:00:00.123Z');

describe('events', () => {
  it("maps containerd's topics to Docker's actions, the init's exit to die with its code", () => {
    const ev = (topic: string, decoded: Record<string, unknown>) =>
      toMessage({ topic, timestamp: at, decoded }, info);
    expect(ev('/containers/create', { id: ID })!.Action).to.equal('create');
    expect(ev('/tasks/start', { containerId: ID })!.Action).to.equal('start');
    expect(ev('/tasks/paused', { containerId: ID })!.Action).to.equal('pause');
    expect(ev('/tasks/resumed', { containerId: ID })!.Action).to.equal('unpause');
    expect(ev('/tasks/oom', { containerId: ID })!.Action).to.equal('oom');
    expect(ev('/containers/delete', { id: ID })!.Action).to.equal('destroy');
    const die = ev('/tasks/exit', { containerId: ID, id: ID, exitStatus: 3 })!;
    expect(die.Action).to.equal('die');
    expect(die.Actor.Attributes).to.deep.equal({ app: 'x', exitCode: '3', image: 'busybox', name: 'web' });
    expect(ev('/tasks/exit', { containerId: ID, id: 'e1', exitStatus: 0 })!.Action).to.equal('exec_die');
    expect(ev('/tasks/delete', { containerId: ID })).to.equal(undefined);
    expect(ev('/images/create', { name: 'x' })).to.equal(undefined);
  });

  it("prints docker/cli's line: RFC3339NanoFixed, type, action, id, sorted attributes", () => {
    const m = toMessage({ topic: '/tasks/start', timestamp: at, decoded: { containerId: ID } }, info)!;
    expect(formatEventLine(m, 0)).to.equal(
      `2026-11-29T05:00:00.123000000Z container start ${ID} (app=x, image=busybox, name=web)\n`,
    );
    expect(formatEventTime(m.TimeNano, -60)).to.equal('2026-11-29T06:00:00.123000000+01:00');
  });

  it('--format: Go field names in templates, json tags in {{json .}}', () => {
    const m = toMessage({ topic: '/tasks/start', timestamp: at, decoded: { containerId: ID } }, info)!;
    expect(
      compileTemplate('{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.TimeNano}}').execute(m),
    ).to.equal('container start web 1795928400123000000');
    const j = JSON.parse(goJson(m)) as Record<string, unknown>;
    expect(Object.keys(j)).to.deep.equal([
      'status',
      'id',
      'from',
      'Type',
      'Action',
      'Actor',
      'scope',
      'time',
      'timeNano',
    ]);
    expect(j.time).to.equal(1795928400);
  });

  it("filters as moby's: same key OR, keys AND; container by id/name prefix; labels all match", () => {
    const m = toMessage({ topic: '/tasks/start', timestamp: at, decoded: { containerId: ID } }, info)!;
    const f = (...raw: string[]) => matchesFilters(m, parseEventFilters(raw));
    expect(f('event=start')).to.equal(true);
    expect(f('event=die', 'event=start')).to.equal(true);
    expect(f('event=die')).to.equal(false);
    expect(f('container=web', 'type=container')).to.equal(true);
    expect(f('container=ccc')).to.equal(true);
    expect(f('container=other')).to.equal(false);
    expect(f('image=busybox:latest')).to.equal(true);
    expect(f('image=alpine')).to.equal(false);
    expect(f('label=app')).to.equal(true);
    expect(f('label=app=x')).to.equal(true);
    expect(f('label=app=y')).to.equal(false);
    expect(f('label=app', 'label=nope')).to.equal(false);
    expect(f('type=network')).to.equal(false);
    expect(f('foo=bar', 'event=start')).to.equal(true); // unknown keys are ignored, as dockerd does
    expect(() => parseEventFilters(['foo'])).to.throw('bad format of filter (expected name=value)');
  });
});

import { expect } from 'chai';
import {
  containerAttributes,
  formatEventLine,
  formatEventTime,
  matchesFilters,
  parseEventFilters,
  toMessage,
} from '../../src/runtime/events/message.js';
import { decodeEntry, encodeEntry, type JournalEntry } from '../../src/runtime/events/journal.js';
import { goJson } from '../../src/runtime/format/gofmt.js';
import { compileTemplate } from '../../src/runtime/format/template.js';

const ID = 'c'.repeat(64);
const info = { name: 'web', image: 'busybox', labels: { app: 'x' } };
const at = 1795928400123000000n; // 2026-11-29T05:00:00.123Z
const entry = (action: string, extra?: Record<string, string>): JournalEntry => ({
  timeNano: at,
  type: 'container',
  action,
  id: ID,
  attributes: containerAttributes(info, extra),
});

describe('events', () => {
  it("gives container events dockerd's attributes: the event's own, labels over them, image and name last", () => {
    expect(containerAttributes(info, { exitCode: '3' })).to.deep.equal({
      app: 'x',
      exitCode: '3',
      image: 'busybox',
      name: 'web',
    });
    // moby copies the labels over the event's attributes, then sets image and name.
    const clash = { name: 'web', image: 'busybox', labels: { exitCode: 'label', name: 'label' } };
    expect(containerAttributes(clash, { exitCode: '3' })).to.deep.equal({
      exitCode: 'label',
      name: 'web',
      image: 'busybox',
    });
    expect(containerAttributes({ name: 'n', image: '', labels: {} })).to.deep.equal({ name: 'n' });
  });

  it('journal lines round-trip, nanoseconds beyond 2^53 included; anything else is skipped', () => {
    const e = entry('die', { exitCode: '2' });
    const line = encodeEntry(e);
    expect(line.endsWith('\n')).to.equal(true);
    expect(line.slice(0, -1)).to.not.include('\n');
    expect(decodeEntry(line.slice(0, -1))).to.deep.equal(e);
    expect(decodeEntry('{"t":"12","action":"start"}')).to.deep.equal({
      timeNano: 12n,
      type: 'container',
      action: 'start',
      id: '',
      attributes: {},
    });
    expect(decodeEntry('{"t":"1795928400123000000","action":"di')).to.equal(undefined);
    expect(decodeEntry('{"t":1.5,"action":"start"}')).to.equal(undefined);
    expect(decodeEntry('null')).to.equal(undefined);
  });

  it("prune's message has no id or from (empty, so omitted as dockerd's omitempty does)", () => {
    const m = toMessage({
      timeNano: at,
      type: 'container',
      action: 'prune',
      id: '',
      attributes: { reclaimed: '0' },
    });
    expect(JSON.parse(goJson(m))).to.deep.equal({
      status: 'prune',
      Type: 'container',
      Action: 'prune',
      Actor: { ID: '', Attributes: { reclaimed: '0' } },
      scope: 'local',
      time: 1795928400,
      timeNano: 1795928400123000000,
    });
    expect(formatEventLine(m, 0)).to.equal('2026-11-29T05:00:00.123000000Z container prune  (reclaimed=0)\n');
  });

  it("prints docker/cli's line: RFC3339NanoFixed, type, action, id, sorted attributes", () => {
    const m = toMessage(entry('start'));
    expect(formatEventLine(m, 0)).to.equal(
      `2026-11-29T05:00:00.123000000Z container start ${ID} (app=x, image=busybox, name=web)\n`,
    );
    expect(formatEventTime(m.TimeNano, -60)).to.equal('2026-11-29T06:00:00.123000000+01:00');
  });

  it('--format: Go field names in templates, json tags in {{json .}}', () => {
    const m = toMessage(entry('start'));
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
    const m = toMessage(entry('start'));
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

  it("image and network events: moby's matchImage (ID, name, its repository) and matchNetwork (prefix)", () => {
    const img = toMessage({
      timeNano: 1n,
      type: 'image',
      action: 'tag',
      id: 'sha256:abc',
      attributes: { name: 'busybox:mine' },
    });
    const fi = (...raw: string[]) => matchesFilters(img, parseEventFilters(raw));
    expect(fi('image=sha256:abc')).to.equal(true);
    expect(fi('image=busybox:mine')).to.equal(true);
    expect(fi('image=busybox')).to.equal(true); // the repository, tag stripped
    expect(fi('image=docker.io/library/busybox:mine')).to.equal(true);
    expect(fi('image=busybox:other')).to.equal(false);
    expect(img.Status).to.equal(''); // the legacy fields are container events' only
    const net = toMessage({
      timeNano: 1n,
      type: 'network',
      action: 'connect',
      id: 'n123',
      attributes: { name: 'front', type: 'bridge', container: 'c1' },
    });
    const fn = (...raw: string[]) => matchesFilters(net, parseEventFilters(raw));
    expect(fn('network=front')).to.equal(true);
    expect(fn('network=fr', 'type=network')).to.equal(true);
    expect(fn('network=n12')).to.equal(true);
    expect(fn('network=back')).to.equal(false);
  });
});

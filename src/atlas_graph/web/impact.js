// What a takedown changes, as a person reads it: the numbers that moved first (connected pairs, actors cut off from
// a capability, capability loss), then who loses which capability and where the others go. The what-if and the plan
// views both show it.

import { KINDS } from './graph.js';
import { SERVICE_KINDS_LABEL, button, count, formatMetric, h, percent } from './dom.js';

/** A change of at most this share reads as "nothing happened" in a table. */
const FLAT = 0.005;

/** "service_provider/bulletproof_hosting" -> "bulletproof hosting"; "financier/other" -> "other financier". */
export function capabilityLabel(capability) {
  const [kind, category] = capability.split('/');
  if (!category || category === 'other') return `other ${KINDS[kind]?.label ?? SERVICE_KINDS_LABEL(kind)}`;
  return SERVICE_KINDS_LABEL(category);
}

export function metricRow(label, before, after, { format = formatMetric, lowerIsBetter = true, flat = null } = {}) {
  const delta = after - before;
  const good = lowerIsBetter ? delta < 0 : delta > 0;
  return h('tr', { class: flat ? 'flat' : null },
    h('th', { scope: 'row' }, label, flat ? h('div', { class: 'flat-note muted' }, flat) : null),
    h('td', {}, format(before)),
    h('td', {}, format(after)),
    h('td', { class: delta === 0 ? 'muted' : good ? 'good' : 'bad' }, delta === 0 ? '—' : `${delta > 0 ? '+' : ''}${format(delta)}`),
  );
}

function relativeChange(before, after) {
  return before === 0 ? (after === 0 ? 0 : 1) : (after - before) / before;
}

/**
 * Why fragmentation barely moves when connected pairs do: on a graph of mostly isolated entities and small
 * fragments nearly every pair is disconnected already, so cutting thousands of pairs moves the share by a hair.
 */
export function flatFragmentation(before, after) {
  if (Math.abs(after.fragmentation - before.fragmentation) > FLAT) return null;
  // A graph that stays in one piece keeps fragmentation at 0 for another reason: nothing to explain there.
  if (before.fragmentation < 0.5) return null;
  if (Math.abs(relativeChange(before.pairwise_connectivity, after.pairwise_connectivity)) <= FLAT) return null;
  return `flat because ${percent(before.fragmentation * 100)} of pairs were already disconnected (${before.components} fragments, mostly isolated entities, among ${before.nodes} entities): read connected pairs instead`;
}

/**
 * The numbers that moved, first, of a what-if answer (POST /v1/analysis/disruption): connected pairs, actors cut
 * off from a capability and capability loss (under the answer's substitution rule). Cards that did not move follow,
 * greyed and saying so; a structural metric that stays flat only because most entities are isolated says that too.
 */
export function kpiCards(result, { id = 'disruption-kpis' } = {}) {
  const { before, after, capabilities } = result;
  const pairs = relativeChange(before.pairwise_connectivity, after.pairwise_connectivity);
  const actors = capabilities.losses.length;
  const isolated = flatFragmentation(before, after) !== null;
  const cards = [
    {
      key: 'pairs', label: 'connected pairs', moved: Math.abs(pairs) > 0,
      value: pairs === 0 ? '—' : `${pairs > 0 ? '+' : '−'}${percent(Math.abs(pairs) * 100)}`,
      detail: `${before.pairwise_connectivity} → ${after.pairwise_connectivity}`,
      note: isolated ? `fragmentation stays at ${percent(after.fragmentation * 100)} only because most entities were isolated already` : null,
    },
    {
      key: 'cut-off', label: 'actors cut off from a capability', moved: actors > 0,
      value: `${actors}${actors >= 1000 ? '+' : ''}`,
      detail: `${count(result.impact.actor_victim_pairs_cut, 'actor–victim pair')} cut · substitution: ${capabilities.substitution}`,
    },
    {
      key: 'capability', label: 'capability loss', moved: capabilities.loss > 0,
      value: formatMetric(capabilities.loss),
      detail: 'harm × criticality of the (actor, capability) pairs lost',
    },
  ];
  // Stable within each group: moved cards first, in the order above.
  cards.sort((a, b) => Number(b.moved) - Number(a.moved));
  return h('div', { class: 'kpis', id },
    cards.map((card) => h('div', { class: `kpi ${card.moved ? 'good' : 'still'}`, id: `kpi-${card.key}`, dataset: { moved: String(card.moved) } },
      h('div', { class: 'kpi-value' }, card.value),
      h('div', { class: 'kpi-label' }, card.label),
      h('div', { class: 'kpi-detail muted' }, card.moved ? card.detail : `did not move · ${card.detail}`),
      card.note ? h('div', { class: 'kpi-note' }, card.note) : null)));
}

/** Per actor, the capabilities it loses (largest harm first, as the API orders them). */
export function capabilityLosses(losses, { select, id, shown = 20 }) {
  if (!losses.length) return h('p', { class: 'muted small', id }, 'No actor loses a capability.');
  return h('div', {},
    h('ul', { class: 'lost', id }, losses.slice(0, shown).map((actor) =>
      h('li', { dataset: { entityId: actor.id } },
        button(actor.name, () => select(actor.id), { class: 'link' }), h('span', { class: 'muted small' }, ` harm ${formatMetric(actor.harm)}`), ' loses ',
        actor.lost.map((capability, i) => [i ? ' ' : '', h('span', { class: 'badge service', title: capability }, capabilityLabel(capability))])))),
    losses.length > shown ? h('p', { class: 'muted small' }, `first ${shown} of ${losses.length} shown`) : null,
  );
}

const ROUTES = { own: 'keeps it through', affiliates: 'moves, through its affiliates, to', market: 'moves, on the market, to' };

/** Per actor and capability it keeps: where it keeps it or goes to get it. */
export function displacementList(displacement, { select, id, shown = 12 }) {
  if (!displacement.length) return h('p', { class: 'muted small', id }, 'No actor has to move: nothing kept was touched.');
  return h('div', {},
    h('ul', { class: 'lost', id }, displacement.slice(0, shown).map((item) =>
      h('li', { dataset: { entityId: item.id, route: item.route } },
        button(item.name, () => select(item.id), { class: 'link' }), ' ',
        h('span', { class: 'badge service', title: item.capability }, capabilityLabel(item.capability)), ` ${ROUTES[item.route] ?? item.route} `,
        item.suppliers.map((supplier, i) => [i ? ', ' : '', button(supplier.name, () => select(supplier.id), { class: 'link' })])))),
    displacement.length > shown ? h('p', { class: 'muted small' }, `first ${shown} of ${displacement.length} shown`) : null,
  );
}

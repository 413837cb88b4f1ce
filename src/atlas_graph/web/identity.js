// Merge and split on the entity page: the entity's open same-as candidates, accepted (a merge into this entity) or
// rejected, and the entities merged into it, each of which can be split back out. Curators only (analysts and up);
// readers see what there is without the buttons.

import { button, h } from './dom.js';

const REASONS = {
  'ambiguous alias': 'an alias both use',
  'shared name': 'the same name',
  'analyst suggestion': 'an analyst suggests it',
};

/**
 * The "Same as" section of `entityId`'s page. `explorer` = {api, act, me, refresh}: `refresh()` shows the page again
 * (its history then has the merge or the split).
 */
export async function identitySection(entityId, { api, act, me, refresh }) {
  const id = encodeURIComponent(entityId);
  const [{ data: entity }, { data: page }] = await Promise.all([
    api.get(`/v1/entities/${id}`),
    api.get('/v1/resolution/candidates', { entity: entityId, status: 'open', limit: 50 }),
  ]);
  const curator = me?.permissions.includes('curate');
  const decide = (work) => act(async () => {
    await work();
    await refresh();
  });
  const candidates = page.items.map((candidate) => {
    const here = candidate.a === entityId ? 'a' : 'b';
    const other = here === 'a' ? { id: candidate.b, name: candidate.b_name } : { id: candidate.a, name: candidate.a_name };
    const path = `/v1/resolution/candidates/${encodeURIComponent(candidate.id)}`;
    return h('li', { class: 'candidate', dataset: { candidateId: candidate.id, other: other.id } },
      h('strong', {}, other.name), h('span', { class: 'muted' }, ` (${candidate.origin})`),
      h('div', { class: 'muted' }, candidate.reasons.map((reason) => `${REASONS[reason.type] ?? reason.type}: ${reason.value}`).join(' · ') || 'no reason you may see'),
      curator
        ? h('div', { class: 'row' },
            button(`Merge ${other.name} into this`, () => decide(() => api.post(`${path}/accept`, { into: here })), { class: 'accept' }),
            button('Not the same', () => decide(() => api.post(`${path}/reject`, {})), { class: 'reject' }))
        : null);
  });
  const merged = entity.merged_ids.map((mergedId) =>
    h('li', { class: 'merged', dataset: { mergedId } }, h('code', {}, mergedId), ' ',
      curator
        ? button('Split it back out', () => decide(() => api.post(`/v1/entities/${id}/split`, { merged_id: mergedId })), { class: 'split', title: 'Undo the merge: it comes back with its own claims and relationships' })
        : null));
  return h('div', { id: 'entity-identity', class: 'small' },
    h('h4', {}, 'Same as?'),
    candidates.length
      ? h('ul', { class: 'candidates', id: 'entity-candidates' }, candidates)
      : h('p', { class: 'muted', id: 'entity-candidates' }, 'No open candidate to merge with it.'),
    merged.length ? [h('h4', {}, 'Merged into it'), h('ul', { class: 'candidates', id: 'entity-merged' }, merged)] : null,
  );
}
